/**
 * Hubble flow filters (`flow.FlowFilter`) applied to flows, the way Hubble applies them: the flows
 * a request returns are those matching any whitelist filter (all flows when there is none) and no
 * blacklist filter; inside one filter every field that is set must match, and any of a field's values
 * may. One implementation serves the simulated relay and flows read from files.
 *
 * Field semantics:
 * - `source_ip`/`destination_ip`: exact addresses or CIDRs (IPv4 and IPv6);
 * - `source_pod`/`destination_pod`: `namespace/` (a namespace), `namespace/name-prefix`, or a bare
 *   `name-prefix`, which means the `default` namespace (as Cilium parses it); same for `*_service`;
 * - `source_label`/`destination_label`: Kubernetes label selectors over the endpoint's Cilium labels.
 *   A key may carry a source (`k8s:app=web`); without one (or with `any:`) it matches that key from any
 *   source (`app=web` matches `k8s:app=web`);
 * - `verdict`, `drop_reason_desc`, `traffic_direction`, `ip_version`: enum names (numbers are accepted);
 * - `event_type`: `{type, match_sub_type, sub_type}` against `event_type.type`/`sub_type`;
 * - `protocol`: tcp, udp, sctp, icmp (either version), icmpv4, icmpv6, and http, dns, kafka for L7
 *   flows read from files;
 * - `source_port`/`destination_port`: decimal port numbers against the TCP/UDP/SCTP ports;
 * - `reply`: against `is_reply` (a flow whose direction is unknown matches neither true nor false);
 * - `node_name`: `[cluster/]node` patterns, `*` matching any run of characters except `/`; a flow's node
 *   without a cluster prefix is in the cluster `default`; a pattern without `/` matches any cluster;
 * - `source_identity`/`destination_identity`, `uuid`: exact values;
 * - `source_fqdn`/`destination_fqdn`: against `source_names`/`destination_names`, `*` as a wildcard;
 * - `source_workload`/`destination_workload`: `{name, kind}`, either may be empty;
 * - `tcp_flags`: every flag set in a filter entry is set in the flow's TCP flags.
 * HTTP, DNS-query and trace-id fields are not supported: compiling a filter that sets them throws.
 */
import { BlockList, isIP } from 'node:net';
import type { Flow, FlowFilter, FlowService, TcpFlags } from './flowTypes';
import { enumValueName } from './hubbleProtos';

/** A filter that cannot be applied (bad CIDR, bad selector, unsupported field). */
export class FlowFilterError extends Error {
  constructor(
    message: string,
    /** The filter field at fault, e.g. `source_ip`. */
    readonly field: string,
  ) {
    super(message);
    this.name = 'FlowFilterError';
  }
}

type Predicate = (flow: Flow) => boolean;

/** Filter fields this module cannot apply. */
const UNSUPPORTED_FIELDS = ['http_status_code', 'dns_query', 'http_method', 'http_path', 'trace_id'] as const;

/** The proto enum of each enum-valued filter field (numbers in filters or flows are named through it). */
const ENUM_OF: Record<string, string> = { verdict: 'flow.Verdict', traffic_direction: 'flow.TrafficDirection', ip_version: 'flow.IPVersion', drop_reason_desc: 'flow.DropReason' };

/** An enum value as a name (an unknown number stays a number, as text). */
function enumName(field: string, v: string | number): string {
  return typeof v === 'number' ? (enumValueName(ENUM_OF[field]!, v) ?? String(v)) : v;
}

/** Compiles one filter into a predicate. Throws `FlowFilterError`. */
export function compileFlowFilter(filter: FlowFilter): Predicate {
  const preds: Predicate[] = [];
  const f = filter as Record<string, unknown>;
  const list = <T>(name: string): T[] | undefined => {
    const v = f[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw new FlowFilterError(`${name}: expected a list`, name);
    return v.length ? (v as T[]) : undefined;
  };

  for (const name of UNSUPPORTED_FIELDS) {
    if (list(name)) throw new FlowFilterError(`${name}: this filter is not supported`, name);
  }

  const uuids = list<string>('uuid');
  if (uuids) preds.push((flow) => flow.uuid !== undefined && uuids.includes(flow.uuid));

  for (const side of ['source', 'destination'] as const) {
    const ips = list<string>(`${side}_ip`);
    if (ips) {
      const match = ipMatcher(ips, `${side}_ip`);
      preds.push((flow) => match(side === 'source' ? flow.IP?.source : flow.IP?.destination));
    }
    const pods = list<string>(`${side}_pod`);
    if (pods) {
      const match = namespacedPrefixMatcher(pods, `${side}_pod`);
      preds.push((flow) => {
        const ep = flow[side];
        return match(ep?.namespace, ep?.pod_name);
      });
    }
    const services = list<string>(`${side}_service`);
    if (services) {
      const match = namespacedPrefixMatcher(services, `${side}_service`);
      preds.push((flow) => {
        const svc: FlowService | undefined = side === 'source' ? flow.source_service : flow.destination_service;
        return match(svc?.namespace, svc?.name);
      });
    }
    const labels = list<string>(`${side}_label`);
    if (labels) {
      const selectors = labels.map((s) => parseLabelSelector(s, `${side}_label`));
      preds.push((flow) => {
        const parsed = parseCiliumLabels(flow[side]?.labels ?? []);
        return selectors.some((sel) => sel(parsed));
      });
    }
    const fqdns = list<string>(`${side}_fqdn`);
    if (fqdns) {
      const patterns = fqdns.map((p) => globRegExp(p.toLowerCase().replace(/\.$/, ''), '[^]'));
      preds.push((flow) => {
        const names = (side === 'source' ? flow.source_names : flow.destination_names) ?? [];
        return names.some((n) => patterns.some((re) => re.test(n.toLowerCase().replace(/\.$/, ''))));
      });
    }
    const workloads = list<{ name?: string; kind?: string }>(`${side}_workload`);
    if (workloads) {
      preds.push((flow) =>
        (flow[side]?.workloads ?? []).some((w) => workloads.some((want) => (!want.name || want.name === w.name) && (!want.kind || want.kind === w.kind))),
      );
    }
    const identities = list<number>(`${side}_identity`);
    if (identities) {
      const wanted = new Set(identities.map(Number));
      preds.push((flow) => wanted.has(flow[side]?.identity ?? 0));
    }
    const ports = list<string | number>(`${side}_port`);
    if (ports) {
      const wanted = new Set(ports.map((p) => parsePort(p, `${side}_port`)));
      preds.push((flow) => {
        const port = l4Port(flow, side);
        return port !== undefined && wanted.has(port);
      });
    }
  }

  for (const name of ['verdict', 'drop_reason_desc', 'traffic_direction', 'ip_version'] as const) {
    const values = list<string | number>(name);
    if (!values) continue;
    const wanted = new Set(values.map((v) => enumName(name, v)));
    const read = (flow: Flow): string | number | undefined =>
      name === 'ip_version' ? flow.IP?.ipVersion : ((flow as Record<string, unknown>)[name] as string | number | undefined);
    preds.push((flow) => wanted.has(enumName(name, read(flow) ?? 0)));
  }

  const eventTypes = list<{ type?: number; match_sub_type?: boolean; sub_type?: number }>('event_type');
  if (eventTypes) {
    preds.push((flow) =>
      eventTypes.some((e) => (flow.event_type?.type ?? 0) === (e.type ?? 0) && (!e.match_sub_type || (flow.event_type?.sub_type ?? 0) === (e.sub_type ?? 0))),
    );
  }

  const protocols = list<string>('protocol');
  if (protocols) {
    const wanted = protocols.map((p) => {
      const name = String(p).toLowerCase();
      if (!PROTOCOLS.has(name)) throw new FlowFilterError(`protocol: unknown protocol "${p}" (tcp, udp, sctp, icmp, icmpv4, icmpv6, http, dns, kafka)`, 'protocol');
      return name;
    });
    preds.push((flow) => {
      const have = flowProtocols(flow);
      return wanted.some((p) => have.has(p));
    });
  }

  const replies = list<boolean>('reply');
  if (replies) preds.push((flow) => flow.is_reply !== undefined && replies.includes(flow.is_reply));

  const flags = list<TcpFlags>('tcp_flags');
  if (flags) {
    preds.push((flow) => {
      const have = flow.l4?.TCP?.flags;
      if (!have) return false;
      return flags.some((want) => Object.entries(want).every(([k, v]) => !v || Boolean((have as Record<string, unknown>)[k])));
    });
  }

  const nodes = list<string>('node_name');
  if (nodes) {
    const matchers = nodes.map(nodeNameMatcher);
    preds.push((flow) => matchers.some((m) => m(flow.node_name ?? '')));
  }

  return (flow) => preds.every((p) => p(flow));
}

/**
 * A predicate for a request's lists: matching any whitelist filter (or there is none) and no
 * blacklist filter. Throws `FlowFilterError` for a filter that cannot be applied.
 */
export function compileFlowFilters(whitelist: readonly FlowFilter[] = [], blacklist: readonly FlowFilter[] = []): Predicate {
  const white = whitelist.map(compileFlowFilter);
  const black = blacklist.map(compileFlowFilter);
  return (flow) => (white.length === 0 || white.some((p) => p(flow))) && !black.some((p) => p(flow));
}

/** Whether `flow` passes: whitelist ORed (all flows when empty), minus the blacklist. Throws `FlowFilterError`. */
export function matchesFlowFilters(flow: Flow, whitelist: readonly FlowFilter[] = [], blacklist: readonly FlowFilter[] = []): boolean {
  return compileFlowFilters(whitelist, blacklist)(flow);
}

// ---------------------------------------------------------------------------------------------

function ipMatcher(entries: string[], field: string): (ip: string | undefined) => boolean {
  const exact = new Set<string>();
  const blocks = new BlockList();
  let hasBlocks = false;
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    if (slash < 0) {
      const family = isIP(entry);
      if (!family) throw new FlowFilterError(`${field}: "${entry}" is neither an IP address nor a CIDR`, field);
      exact.add(normalizeIp(entry, family));
      continue;
    }
    const addr = entry.slice(0, slash);
    const family = isIP(addr);
    const bits = Number(entry.slice(slash + 1));
    if (!family || !/^\d{1,3}$/.test(entry.slice(slash + 1)) || bits > (family === 4 ? 32 : 128)) {
      throw new FlowFilterError(`${field}: "${entry}" is not a valid CIDR`, field);
    }
    blocks.addSubnet(addr, bits, family === 4 ? 'ipv4' : 'ipv6');
    hasBlocks = true;
  }
  return (ip) => {
    if (!ip) return false;
    const family = isIP(ip);
    if (!family) return false;
    if (exact.has(normalizeIp(ip, family))) return true;
    return hasBlocks && blocks.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  };
}

function normalizeIp(ip: string, family: number): string {
  if (family === 4) return ip;
  // one spelling per IPv6 address: let BlockList-free normalization go through URL parsing
  try {
    return new URL(`http://[${ip}]/`).hostname.toLowerCase();
  } catch {
    return ip.toLowerCase();
  }
}

/** `namespace/`, `namespace/prefix` or `prefix` (namespace `default`). */
function namespacedPrefixMatcher(entries: string[], field: string): (namespace: string | undefined, name: string | undefined) => boolean {
  const parsed = entries.map((entry) => {
    const slash = entry.indexOf('/');
    const namespace = slash < 0 ? 'default' : entry.slice(0, slash);
    const prefix = slash < 0 ? entry : entry.slice(slash + 1);
    if (!entry || (slash >= 0 && !namespace)) throw new FlowFilterError(`${field}: "${entry}" must be [namespace/][name-prefix]`, field);
    return { namespace, prefix };
  });
  return (namespace, name) => {
    if (!namespace) return false;
    return parsed.some((p) => p.namespace === namespace && (p.prefix === '' || (name ?? '').startsWith(p.prefix)));
  };
}

function parsePort(p: string | number, field: string): number {
  const text = String(p);
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n > 65535) throw new FlowFilterError(`${field}: "${text}" is not a port number`, field);
  return n;
}

function l4Port(flow: Flow, side: 'source' | 'destination'): number | undefined {
  const l4 = flow.l4;
  const ports = l4?.TCP ?? l4?.UDP ?? l4?.SCTP;
  if (!ports) return undefined;
  return (side === 'source' ? ports.source_port : ports.destination_port) ?? 0;
}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp', 'icmp', 'icmpv4', 'icmpv6', 'http', 'dns', 'kafka']);

function flowProtocols(flow: Flow): Set<string> {
  const have = new Set<string>();
  const l4 = flow.l4;
  if (l4?.TCP) have.add('tcp');
  if (l4?.UDP) have.add('udp');
  if (l4?.SCTP) have.add('sctp');
  if (l4?.ICMPv4) have.add('icmp').add('icmpv4');
  if (l4?.ICMPv6) have.add('icmp').add('icmpv6');
  const l7 = (flow as { l7?: Record<string, unknown> }).l7;
  if (l7 && typeof l7 === 'object') for (const k of ['http', 'dns', 'kafka']) if (l7[k]) have.add(k);
  return have;
}

/** `*` → any run of `anyChar` characters; everything else literal. */
function globRegExp(pattern: string, anyChar: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join(`${anyChar}*`);
  return new RegExp(`^${body}$`);
}

function nodeNameMatcher(pattern: string): (nodeName: string) => boolean {
  const slash = pattern.indexOf('/');
  const clusterRe = slash < 0 ? undefined : globRegExp(pattern.slice(0, slash) || '*', '[^/]');
  const nodePattern = slash < 0 ? pattern : pattern.slice(slash + 1);
  const nodeRe = globRegExp(nodePattern || '*', '[^/]');
  return (nodeName) => {
    const i = nodeName.indexOf('/');
    const cluster = i < 0 ? 'default' : nodeName.slice(0, i);
    const node = i < 0 ? nodeName : nodeName.slice(i + 1);
    return (!clusterRe || clusterRe.test(cluster)) && nodeRe.test(node);
  };
}

// ---------------------------------------------------------------------------------------------
// Cilium labels and label selectors

export interface CiliumLabel {
  /** `k8s`, `reserved`, `cidr`, `unspec`, … */
  source: string;
  key: string;
  value: string;
}

/** `k8s:app=web` → {source k8s, key app, value web}; `reserved:world` → value ''; no source → `unspec`. */
export function parseCiliumLabel(label: string): CiliumLabel {
  const eq = label.indexOf('=');
  const colon = label.indexOf(':');
  const hasSource = colon >= 0 && (eq < 0 || colon < eq);
  const source = hasSource ? label.slice(0, colon) : 'unspec';
  const rest = hasSource ? label.slice(colon + 1) : label;
  const i = rest.indexOf('=');
  return i < 0 ? { source, key: rest, value: '' } : { source, key: rest.slice(0, i), value: rest.slice(i + 1) };
}

function parseCiliumLabels(labels: readonly string[]): CiliumLabel[] {
  return labels.map(parseCiliumLabel);
}

type LabelPredicate = (labels: CiliumLabel[]) => boolean;

const KEY = String.raw`[A-Za-z0-9_.\-/:]+`;
const VALUE = String.raw`[^\s,()!=<>]*`;
const RE_NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);
const RE_SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`);
const RE_EQ = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const RE_CMP = new RegExp(`^(${KEY})\\s*(>|<)\\s*(-?\\d+)$`);
const RE_EXISTS = new RegExp(`^(${KEY})$`);

/**
 * A Kubernetes label selector (`a=b,c!=d,e in (f,g),h notin (i),j,!k,l>1`) over Cilium labels.
 * Throws `FlowFilterError` on bad syntax.
 */
export function parseLabelSelector(selector: string, field = 'label'): LabelPredicate {
  const requirements = splitRequirements(selector).map((raw) => parseRequirement(raw.trim(), selector, field));
  if (requirements.length === 0) throw new FlowFilterError(`${field}: empty selector`, field);
  return (labels) => requirements.every((r) => r(labels));
}

function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts.filter((p) => p.trim() !== '');
}

function parseRequirement(raw: string, selector: string, field: string): LabelPredicate {
  const bad = (): never => {
    throw new FlowFilterError(`${field}: cannot parse selector "${selector}" at "${raw}"`, field);
  };
  let m: RegExpExecArray | null;
  if ((m = RE_NOT_EXISTS.exec(raw))) {
    const key = selectorKey(m[1]!);
    return (labels) => !labels.some((l) => key(l));
  }
  if ((m = RE_SET.exec(raw))) {
    const key = selectorKey(m[1]!);
    const values = m[3]!.split(',').map((v) => v.trim());
    if (values.some((v) => !new RegExp(`^${VALUE}$`).test(v))) bad();
    const set = new Set(values.filter((v) => v !== '' || values.length === 1));
    const any = (labels: CiliumLabel[]): boolean => labels.some((l) => key(l) && set.has(l.value));
    return m[2] === 'in' ? any : (labels) => !any(labels);
  }
  if ((m = RE_EQ.exec(raw))) {
    const key = selectorKey(m[1]!);
    const value = m[3]!;
    const any = (labels: CiliumLabel[]): boolean => labels.some((l) => key(l) && l.value === value);
    return m[2] === '!=' ? (labels) => !any(labels) : any;
  }
  if ((m = RE_CMP.exec(raw))) {
    const key = selectorKey(m[1]!);
    const bound = Number(m[3]);
    const gt = m[2] === '>';
    return (labels) =>
      labels.some((l) => {
        if (!key(l) || !/^-?\d+$/.test(l.value)) return false;
        const n = Number(l.value);
        return gt ? n > bound : n < bound;
      });
  }
  if ((m = RE_EXISTS.exec(raw))) {
    const key = selectorKey(m[1]!);
    return (labels) => labels.some((l) => key(l));
  }
  return bad();
}

/** `k8s:app` matches key app from source k8s; `app` and `any:app` match key app from any source. */
function selectorKey(text: string): (label: CiliumLabel) => boolean {
  const colon = text.indexOf(':');
  const source = colon < 0 ? 'any' : text.slice(0, colon);
  const key = colon < 0 ? text : text.slice(colon + 1);
  return (label) => label.key === key && (source === 'any' || label.source === source);
}
