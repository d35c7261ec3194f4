/**
 * Generates `data/instanceLimits.json`: the ENI and IPv4-per-ENI limits of every EC2 instance type, as
 * the AWS VPC CNI publishes them, for the capacity view (`src/core/capacity/`).
 *
 * Source of truth: aws/amazon-vpc-cni-k8s
 *   - `pkg/vpc/vpc_ip_resource_limit.go` (generated upstream by `scripts/gen_vpc_ip_limits.go` from EC2
 *     DescribeInstanceTypes): per type `ENILimit`, `IPv4Limit`, `DefaultNetworkCardIndex`,
 *     `NetworkCards[]{MaximumNetworkInterfaces, NetworkCardIndex}`, `HypervisorType`, `IsBareMetal`.
 *   - `misc/eni-max-pods.txt` (optional): precomputed max pods per type, `ENIs × (IPv4 − 1) + 2`
 *     on network card 0. Used only to cross-check the formula; it is not shipped.
 *
 * How to regenerate:
 *   1. Download the two files from the VPC CNI repository (pick a release tag or commit), e.g. the raw
 *      `pkg/vpc/vpc_ip_resource_limit.go` and `misc/eni-max-pods.txt`, into a scratch folder outside
 *      the repo (do not commit them).
 *   2. Run from the repository root:
 *        npx tsx scripts/capacity/generateInstanceLimits.ts /tmp/vpc_ip_resource_limit.go /tmp/eni-max-pods.txt \
 *          --from "aws/amazon-vpc-cni-k8s@<commit> pkg/vpc/vpc_ip_resource_limit.go" \
 *          --max-pods-from "aws/amazon-vpc-cni-k8s@<commit> misc/eni-max-pods.txt"
 *      Options: `--out <file>` (default `data/instanceLimits.json`), `--strict` (exit 1 when the
 *      cross-check finds a max-pods value that the formula does not reproduce).
 *   3. Review the printed cross-check and `git diff data/instanceLimits.json`; run
 *      `npx vitest run test/unit/capacity`.
 *
 * Output shape (kept compact: one short array per type; documented in the file's `format` field too):
 *   "types": { "<type>": [ENILimit, IPv4Limit, networkCards?, hypervisor?, bareMetal?, defaultNetworkCardIndex?] }
 *   Trailing elements equal to their default are omitted. Defaults: networkCards 1, hypervisor "nitro",
 *   bareMetal 0, defaultNetworkCardIndex 0. networkCards is a count n when the cards are 0..n-1 and each
 *   allows ENILimit interfaces (every type in the VPC CNI table so far), otherwise a list of
 *   [networkCardIndex, maximumNetworkInterfaces] pairs. bareMetal is 0 or 1.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ParsedCard {
  index: number;
  maxInterfaces: number;
}

export interface ParsedLimits {
  type: string;
  enis: number;
  ipv4PerEni: number;
  defaultNetworkCardIndex: number;
  /** `undefined` when the file predates `NetworkCards` (VPC CNI < 1.13). */
  networkCards?: ParsedCard[];
  hypervisor?: string;
  bareMetal?: boolean;
}

export type CompactEntry = [number, number, ...(number | string | Array<[number, number]>)[]];

export interface CrossCheck {
  file: string;
  /** Types present in both files. */
  compared: number;
  /** Published value differs from `ENIs × (IPv4 − 1) + 2`. */
  mismatches: Array<{ type: string; published: number; computed: number }>;
  /** In eni-max-pods.txt but not in the Go table (retired types, or the files come from different commits). */
  onlyInMaxPods: string[];
  /** Count of types in the Go table without an eni-max-pods.txt line. */
  onlyInTable: number;
}

export interface InstanceLimitsFile {
  source: string;
  generatedFrom: string;
  format: string;
  count: number;
  crossCheck?: CrossCheck;
  types: Record<string, CompactEntry>;
}

const FORMAT =
  'types: { "<instance type>": [ENILimit, IPv4Limit, networkCards?, hypervisor?, bareMetal?, defaultNetworkCardIndex?] }; ' +
  'trailing defaults omitted (networkCards 1, hypervisor "nitro", bareMetal 0, defaultNetworkCardIndex 0); ' +
  'networkCards = n when cards 0..n-1 each allow ENILimit interfaces, else [[networkCardIndex, maximumNetworkInterfaces], ...]; ' +
  'ENILimit and IPv4Limit are for the default network card (what max pods is computed from).';

/** Parses the `instanceNetworkingLimits` map literal of `vpc_ip_resource_limit.go` (gofmt'd or not). */
export function parseVpcIpResourceLimits(source: string): ParsedLimits[] {
  const go = stripComments(source);
  const start = go.search(/instanceNetworkingLimits\s*=\s*map\[string\]InstanceTypeLimits\s*\{/);
  if (start < 0) throw new Error('no `instanceNetworkingLimits = map[string]InstanceTypeLimits{` in the file');
  const open = go.indexOf('{', go.indexOf('InstanceTypeLimits', start));
  const close = matchBrace(go, open);
  const body = go.slice(open + 1, close);
  const out: ParsedLimits[] = [];
  const seen = new Set<string>();
  const keyRe = /"([^"]+)"\s*:\s*\{/g;
  let m: RegExpExecArray | null;
  while ((m = keyRe.exec(body))) {
    const type = m[1];
    const entryOpen = m.index + m[0].length - 1;
    const entryClose = matchBrace(body, entryOpen);
    const entry = body.slice(entryOpen + 1, entryClose);
    keyRe.lastIndex = entryClose + 1;
    if (seen.has(type)) throw new Error(`instance type ${type} appears twice`);
    seen.add(type);
    out.push(parseEntry(type, entry));
  }
  if (out.length === 0) throw new Error('the instanceNetworkingLimits map is empty');
  return out;
}

function parseEntry(type: string, entry: string): ParsedLimits {
  const int = (field: string): number | undefined => {
    const r = new RegExp(`\\b${field}\\s*:\\s*(\\d+)`).exec(entry);
    return r ? Number(r[1]) : undefined;
  };
  const enis = int('ENILimit');
  const ipv4PerEni = int('IPv4Limit');
  if (enis === undefined || ipv4PerEni === undefined) throw new Error(`${type}: ENILimit or IPv4Limit missing`);
  const limits: ParsedLimits = { type, enis, ipv4PerEni, defaultNetworkCardIndex: int('DefaultNetworkCardIndex') ?? 0 };
  const cardsAt = entry.search(/\bNetworkCards\s*:\s*\[\]NetworkCard\s*\{/);
  if (cardsAt >= 0) {
    const cardsOpen = entry.indexOf('{', entry.indexOf('[]NetworkCard', cardsAt));
    const cardsBody = entry.slice(cardsOpen + 1, matchBrace(entry, cardsOpen));
    const cards: ParsedCard[] = [];
    const cardRe = /\{([^{}]*)\}/g;
    let c: RegExpExecArray | null;
    while ((c = cardRe.exec(cardsBody))) {
      const max = /\bMaximumNetworkInterfaces\s*:\s*(\d+)/.exec(c[1]);
      const idx = /\bNetworkCardIndex\s*:\s*(\d+)/.exec(c[1]);
      if (!max) throw new Error(`${type}: a NetworkCard without MaximumNetworkInterfaces`);
      cards.push({ index: idx ? Number(idx[1]) : 0, maxInterfaces: Number(max[1]) });
    }
    limits.networkCards = cards;
  }
  const hv = /\bHypervisorType\s*:\s*"([^"]*)"/.exec(entry);
  if (hv) limits.hypervisor = hv[1];
  const bm = /\bIsBareMetal\s*:\s*(true|false)/.exec(entry);
  if (bm) limits.bareMetal = bm[1] === 'true';
  return limits;
}

function matchBrace(text: string, open: number): number {
  if (text[open] !== '{') throw new Error(`expected "{" at offset ${open}`);
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  throw new Error(`unbalanced "{" at offset ${open}`);
}

/** Removes Go `//` and `/* *\/` comments outside string literals (offsets change; only structure matters). */
function stripComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === '`') {
      const end = findStringEnd(text, i);
      out += text.slice(i, end + 1);
      i = end;
    } else if (ch === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl - 1;
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 1;
    } else out += ch;
  }
  return out;
}

function findStringEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return text.length - 1;
}

/** `m5.large 29` lines; `#` comments and blank lines skipped; extra columns ignored. */
export function parseEniMaxPods(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [type, value] = line.split(/\s+/);
    if (type && value && /^\d+$/.test(value)) out.set(type, Number(value));
  }
  return out;
}

export function compactEntry(l: ParsedLimits): CompactEntry {
  let cards: number | Array<[number, number]> = 1;
  if (l.networkCards) {
    const uniform = l.networkCards.every((c, i) => c.index === i && c.maxInterfaces === l.enis);
    cards = uniform ? l.networkCards.length : l.networkCards.map((c): [number, number] => [c.index, c.maxInterfaces]);
  }
  const full: CompactEntry = [l.enis, l.ipv4PerEni, cards, l.hypervisor ?? 'nitro', l.bareMetal ? 1 : 0, l.defaultNetworkCardIndex];
  const defaults: unknown[] = [undefined, undefined, 1, 'nitro', 0, 0];
  while (full.length > 2 && full[full.length - 1] === defaults[full.length - 1]) full.pop();
  return full;
}

export function crossCheck(limits: readonly ParsedLimits[], maxPods: Map<string, number>, file: string): CrossCheck {
  const byType = new Map(limits.map((l) => [l.type, l]));
  const mismatches: CrossCheck['mismatches'] = [];
  let compared = 0;
  for (const [type, published] of maxPods) {
    const l = byType.get(type);
    if (!l) continue;
    compared++;
    const computed = l.enis * (l.ipv4PerEni - 1) + 2;
    if (computed !== published) mismatches.push({ type, published, computed });
  }
  return {
    file,
    compared,
    mismatches,
    onlyInMaxPods: [...maxPods.keys()].filter((t) => !byType.has(t)).sort(),
    onlyInTable: limits.filter((l) => !maxPods.has(l.type)).length,
  };
}

export function buildFile(limits: readonly ParsedLimits[], generatedFrom: string, check?: CrossCheck): InstanceLimitsFile {
  const types: Record<string, CompactEntry> = {};
  for (const l of [...limits].sort((a, b) => a.type.localeCompare(b.type))) types[l.type] = compactEntry(l);
  return {
    source: 'AWS VPC CNI instance limits (aws/amazon-vpc-cni-k8s pkg/vpc/vpc_ip_resource_limit.go), generated by scripts/capacity/generateInstanceLimits.ts',
    generatedFrom,
    format: FORMAT,
    count: limits.length,
    ...(check ? { crossCheck: check } : {}),
    types,
  };
}

/** JSON with one instance type per line: small, and diffs stay readable. */
export function serialise(file: InstanceLimitsFile): string {
  const { types, ...head } = file;
  const headJson = JSON.stringify(head, null, 2);
  const lines = Object.entries(types).map(([t, e]) => `    ${JSON.stringify(t)}: ${JSON.stringify(e)}`);
  return `${headJson.slice(0, -2)},\n  "types": {\n${lines.join(',\n')}\n  }\n}\n`;
}

function main(argv: string[]): number {
  const positional: string[] = [];
  const opts: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--strict') opts.strict = true;
    else if (a === '--out' || a === '--from' || a === '--max-pods-from') opts[a.slice(2)] = argv[++i] ?? '';
    else if (a === '-h' || a === '--help') {
      console.log('usage: npx tsx scripts/capacity/generateInstanceLimits.ts <vpc_ip_resource_limit.go> [eni-max-pods.txt] [--out file] [--from text] [--max-pods-from text] [--strict]');
      return 0;
    } else positional.push(a);
  }
  const [goPath, maxPodsPath] = positional;
  if (!goPath) {
    console.error('missing the path of vpc_ip_resource_limit.go (see --help)');
    return 2;
  }
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const outPath = resolve(typeof opts.out === 'string' && opts.out ? opts.out : resolve(repoRoot, 'data', 'instanceLimits.json'));
  const limits = parseVpcIpResourceLimits(readFileSync(goPath, 'utf8'));
  let check: CrossCheck | undefined;
  if (maxPodsPath) {
    const label = typeof opts['max-pods-from'] === 'string' && opts['max-pods-from'] ? opts['max-pods-from'] : maxPodsPath;
    check = crossCheck(limits, parseEniMaxPods(readFileSync(maxPodsPath, 'utf8')), label);
  }
  const generatedFrom = typeof opts.from === 'string' && opts.from ? opts.from : goPath;
  const text = serialise(buildFile(limits, generatedFrom, check));
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, text);
  const multiCard = limits.filter((l) => (l.networkCards?.length ?? 1) > 1).length;
  console.log(`${outPath}: ${limits.length} instance types (${multiCard} with several network cards), ${text.length} bytes`);
  if (check) {
    console.log(`cross-check against ${check.file}: ${check.compared} types compared, ${check.mismatches.length} mismatches`);
    for (const m of check.mismatches) console.log(`  ${m.type}: published ${m.published}, formula ${m.computed}`);
    if (check.onlyInMaxPods.length) console.log(`  only in eni-max-pods.txt: ${check.onlyInMaxPods.join(' ')}`);
    console.log(`  only in the Go table: ${check.onlyInTable} types`);
    if (opts.strict && check.mismatches.length > 0) return 1;
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
