/**
 * Small helpers to turn trace facts into diagram facts: provenance as text, short node names, and
 * the parts of a hop's one-line text that have no field of their own (the matched VPC route, the
 * security groups of an ENI).
 */
import type { Provenance } from '../../model';
import type { Hop, HopFact } from '../datapath/datapathTypes';
import type { DiagramFact } from './diagramTypes';

const SOURCE_NAMES: Readonly<Record<Provenance['source'], string>> = {
  'kubernetes-api': 'Kubernetes API',
  snapshot: 'snapshot',
  ec2: 'EC2',
  ipamd: 'ipamd',
  inferred: 'inferred',
  default: 'documented default',
};

/** `snapshot kubernetes/pods.yaml:5173`, `EC2`, `inferred: "eni" + first 11 hex of SHA-1(…)`. */
export function provenanceText(origin: Provenance | undefined): string {
  if (!origin) return 'unknown';
  const name = SOURCE_NAMES[origin.source] ?? origin.source;
  const where = origin.file ? ` ${origin.file}${origin.line ? `:${origin.line}` : ''}` : '';
  const detail = origin.detail ? (where || origin.source !== 'inferred' ? ` (${origin.detail})` : `: ${origin.detail}`) : '';
  return `${name}${where}${detail}`;
}

/** A fact; `name` may be empty when the value says what it is (`eni-…`, `rtb-…`). `detail` goes to the details pane only. */
export function diagramFact(name: string, value: string, origin: Provenance | string | undefined, detail?: string): DiagramFact {
  return { name, value, source: typeof origin === 'string' ? origin : provenanceText(origin), ...(detail ? { detail } : {}) };
}

export function fromHopFact(f: HopFact): DiagramFact {
  return diagramFact(f.name, f.value, f.origin);
}

/** The first fact of `hops` named `name`. */
export function hopFact(hops: readonly Hop[], name: string): HopFact | undefined {
  for (const h of hops) {
    const f = h.facts.find((x) => x.name === name);
    if (f) return f;
  }
  return undefined;
}

/** `ip-10-0-35-117.us-west-2.compute.internal` → `ip-10-0-35-117`; other names unchanged. */
export function shortNodeName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  return name.replace(/\.(?:[a-z0-9-]+\.)*(?:compute|ec2)\.internal$/, '');
}

/** The route a `vpc-route` hop matched: `{ destination: '0.0.0.0/0', target: 'nat-027a…' }`. */
export function matchedRoute(hop: Hop): { destination: string; target: string } | undefined {
  const m = /matches (\S+) → ([^:;]+)/.exec(hop.text);
  if (!m) return undefined;
  const target = (m[2] ?? '').trim();
  // `local`, `nat-gateway nat-…`, `transit-gateway tgw-…`: the id says it all
  const id = target.split(' ').pop() ?? target;
  return { destination: m[1] ?? '', target: id };
}

/** Security group names (ids when unnamed) from an ENI hop's text: `shop-prod-pods`, `sg-0a…`. */
export function securityGroupsInText(text: string): string | undefined {
  const m = /security groups (.+?) (?:apply|see|must)\b/.exec(text);
  if (!m?.[1] || m[1].startsWith('(')) return undefined;
  return m[1].replace(/ \((sg-[0-9a-f]+)\)/g, '');
}

/** `100.64.64.0/18 us-west-2b` from `subnet subnet-… 100.64.64.0/18 us-west-2b)`. */
export function subnetInText(text: string): { id: string; cidr?: string; zone?: string } | undefined {
  const m = /subnet (subnet-[0-9a-f]+)(?: ([0-9.]+\/\d+))?(?: ([a-z]{2}-[a-z]+-\d[a-z]))?/.exec(text);
  if (!m?.[1]) return undefined;
  return { id: m[1], ...(m[2] ? { cidr: m[2] } : {}), ...(m[3] ? { zone: m[3] } : {}) };
}

/** The source address a hop's text says the packet carries (`with source 10.0.35.117`). */
export function sourceInText(text: string): string | undefined {
  return /\bsource (\d{1,3}(?:\.\d{1,3}){3})/.exec(text)?.[1];
}
