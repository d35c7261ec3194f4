/**
 * CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (`cilium.io/v2`) compiled from the raw
 * `spec` and `specs[]`, with what Cilium does when it imports them:
 * - a CNP's endpointSelector is limited to the CNP's namespace;
 * - a CNP's fromEndpoints/toEndpoints selectors that do not name `io.kubernetes.pod.namespace`
 *   are limited to the CNP's namespace; a CCNP's ones to endpoints that have a namespace (any);
 *   selectors on `reserved:` labels are left alone;
 * - `enableDefaultDeny` defaults to true for each direction the rule has (allow or deny) rules for.
 */
import type { NetworkPolicyInfo } from '../../model';
import { asArray, asRecord, type JsonRecord } from '../../project/jsonFields';
import { parseCidrBlock } from './cidrBlock';
import {
  formatPath,
  type CiliumPeer,
  type CiliumPort,
  type CiliumPortRule,
  type CiliumRuleEntry,
  type CiliumSection,
  type CompiledCiliumPolicy,
  type CompiledCiliumRule,
  type RulePath,
} from './compiledPolicy';
import { addRequirement, hasKey, hasSource, NAMESPACE_LABEL, parseSelector, type Selector } from './labelSelector';

/** Entities a rule may name (`pkg/policy/api/entity.go`). */
export const CILIUM_ENTITIES = new Set([
  'all', 'world', 'world-ipv4', 'world-ipv6', 'cluster', 'host', 'remote-node', 'kube-apiserver', 'init', 'health', 'unmanaged', 'ingress', 'none',
]);

export function compileCiliumPolicy(info: NetworkPolicyInfo): CompiledCiliumPolicy {
  const kind = info.kind === 'CiliumClusterwideNetworkPolicy' ? 'CiliumClusterwideNetworkPolicy' : 'CiliumNetworkPolicy';
  const namespace = kind === 'CiliumNetworkPolicy' ? info.namespace ?? 'default' : undefined;
  const ctx: Ctx = { namespace, problems: [] };
  const rules: CompiledCiliumRule[] = [];
  const spec = asRecord(info.spec);
  if (spec) {
    const rule = compileRule(ctx, spec, ['spec'], kind);
    if (rule) rules.push(rule);
  }
  asArray(info.specs).forEach((s, i) => {
    const rec = asRecord(s);
    if (!rec) {
      ctx.problems.push(`specs[${i}] is not a mapping`);
      return;
    }
    const rule = compileRule(ctx, rec, ['specs', i], kind);
    if (rule) rules.push(rule);
  });
  if (!spec && asArray(info.specs).length === 0) ctx.problems.push('neither spec nor specs is set');
  const out: CompiledCiliumPolicy = { kind, info, rules, problems: ctx.problems };
  if (namespace !== undefined) out.namespace = namespace;
  return out;
}

interface Ctx {
  namespace: string | undefined;
  problems: string[];
}

function compileRule(ctx: Ctx, r: JsonRecord, path: RulePath, kind: CompiledCiliumPolicy['kind']): CompiledCiliumRule | undefined {
  const where = formatPath(path);
  const rule: CompiledCiliumRule = {
    path,
    ingress: [],
    ingressDeny: [],
    egress: [],
    egressDeny: [],
    hasIngress: false,
    hasEgress: false,
    defaultDenyIngress: false,
    defaultDenyEgress: false,
  };
  if (r.endpointSelector !== undefined && r.endpointSelector !== null) {
    let selector = parseSelector(r.endpointSelector, { cilium: true });
    if (selector.problem) ctx.problems.push(`${where}.endpointSelector: ${selector.problem}`);
    if (ctx.namespace !== undefined) selector = addRequirement(selector, { key: NAMESPACE_LABEL, source: 'k8s', op: 'In', values: new Set([ctx.namespace]) });
    rule.endpointSelector = selector;
  } else if (r.nodeSelector !== undefined && r.nodeSelector !== null) {
    if (kind !== 'CiliumClusterwideNetworkPolicy') ctx.problems.push(`${where}.nodeSelector is only valid in a CiliumClusterwideNetworkPolicy`);
    rule.nodeSelector = parseSelector(r.nodeSelector, { cilium: true });
  } else {
    ctx.problems.push(`${where}: no endpointSelector or nodeSelector`);
    return undefined;
  }
  for (const section of ['ingress', 'ingressDeny', 'egress', 'egressDeny'] as const) {
    rule[section] = asArray(r[section]).map((e, i) => compileEntry(ctx, e, section, [...path, section, i]));
  }
  rule.hasIngress = rule.ingress.length + rule.ingressDeny.length > 0;
  rule.hasEgress = rule.egress.length + rule.egressDeny.length > 0;
  const enableDefaultDeny = asRecord(r.enableDefaultDeny);
  rule.defaultDenyIngress = rule.hasIngress && enableDefaultDeny?.ingress !== false;
  rule.defaultDenyEgress = rule.hasEgress && enableDefaultDeny?.egress !== false;
  return rule;
}

const INGRESS_L3 = ['fromEndpoints', 'fromCIDR', 'fromCIDRSet', 'fromEntities', 'fromGroups', 'fromNodes'] as const;
const EGRESS_L3 = ['toEndpoints', 'toCIDR', 'toCIDRSet', 'toEntities', 'toServices', 'toGroups', 'toNodes', 'toFQDNs'] as const;

function compileEntry(ctx: Ctx, value: unknown, section: CiliumSection, path: RulePath): CiliumRuleEntry {
  const e = asRecord(value) ?? {};
  const where = formatPath(path);
  if (!asRecord(value)) ctx.problems.push(`${where} is not a mapping`);
  const ingress = section === 'ingress' || section === 'ingressDeny';
  const peers: CiliumPeer[] = [];
  let hasL3 = false;
  for (const field of ingress ? INGRESS_L3 : EGRESS_L3) {
    if (e[field] === undefined || e[field] === null) continue;
    hasL3 = true;
    asArray(e[field]).forEach((item, i) => {
      const peer = compilePeer(ctx, field, item, [...path, field, i]);
      if (peer) peers.push(peer);
    });
  }
  const requiresField = ingress ? 'fromRequires' : 'toRequires';
  const requires = asArray(e[requiresField]).length > 0;
  const out: CiliumRuleEntry = {
    section,
    path,
    peers,
    l3Wildcard: false,
    requires,
    icmpOnly: false,
  };
  const toPorts = asArray(e.toPorts);
  const icmps = asArray(e.icmps);
  if (toPorts.length > 0) {
    out.portRules = toPorts.map((p, i) => compilePortRule(ctx, p, [...path, 'toPorts', i], section));
  } else if (icmps.length > 0) {
    out.icmpOnly = true;
  }
  // Cilium: a rule with ports and no L3 peer allows every peer on those ports; `{}` allows nothing
  out.l3Wildcard = !hasL3 && (toPorts.length > 0 || icmps.length > 0);
  return out;
}

function compilePeer(ctx: Ctx, field: string, item: unknown, path: RulePath): CiliumPeer | undefined {
  const where = formatPath(path);
  switch (field) {
    case 'fromEndpoints':
    case 'toEndpoints': {
      let selector = parseSelector(item, { cilium: true });
      if (selector.problem) ctx.problems.push(`${where}: ${selector.problem}`);
      selector = scopeEndpointSelector(selector, ctx.namespace);
      return { type: 'endpoints', path, selector };
    }
    case 'fromNodes':
    case 'toNodes': {
      const selector = parseSelector(item, { cilium: true });
      if (selector.problem) ctx.problems.push(`${where}: ${selector.problem}`);
      return { type: 'nodes', path, selector };
    }
    case 'fromEntities':
    case 'toEntities': {
      const entity = typeof item === 'string' ? item : '';
      if (!CILIUM_ENTITIES.has(entity)) ctx.problems.push(`${where}: unknown entity "${String(item)}"`);
      return { type: 'entity', path, entity };
    }
    case 'fromCIDR':
    case 'toCIDR': {
      const block = parseCidrBlock(item, []);
      if ('problem' in block) {
        ctx.problems.push(`${where}: ${block.problem}`);
        return undefined;
      }
      return { type: 'cidr', path, block };
    }
    case 'fromCIDRSet':
    case 'toCIDRSet': {
      const rec = asRecord(item);
      if (rec && (rec.cidrGroupRef !== undefined || rec.cidrGroupSelector !== undefined) && rec.cidr === undefined) {
        return { type: 'cidrGroup', path, name: typeof rec.cidrGroupRef === 'string' ? rec.cidrGroupRef : 'selector' };
      }
      const block = parseCidrBlock(rec?.cidr, asArray(rec?.except));
      if ('problem' in block) {
        ctx.problems.push(`${where}: ${block.problem}`);
        return undefined;
      }
      return { type: 'cidr', path, block };
    }
    case 'toFQDNs': {
      const rec = asRecord(item);
      const text = typeof rec?.matchName === 'string' ? rec.matchName : typeof rec?.matchPattern === 'string' ? rec.matchPattern : '?';
      return { type: 'fqdn', path, text };
    }
    case 'toServices': {
      const rec = asRecord(item);
      const svc = asRecord(rec?.k8sService);
      if (svc) {
        const peer: CiliumPeer = { type: 'service', path, bySelector: false };
        if (typeof svc.serviceName === 'string') peer.name = svc.serviceName;
        const ns = typeof svc.namespace === 'string' && svc.namespace !== '' ? svc.namespace : ctx.namespace;
        if (ns !== undefined) peer.namespace = ns;
        return peer;
      }
      return { type: 'service', path, bySelector: true };
    }
    case 'fromGroups':
    case 'toGroups':
      return { type: 'groups', path };
    default:
      return undefined;
  }
}

/** What Cilium does to an endpoint selector of a rule (see the module comment). */
export function scopeEndpointSelector(selector: Selector, namespace: string | undefined): Selector {
  if (hasSource(selector, 'reserved')) return selector;
  if (hasKey(selector, NAMESPACE_LABEL)) return selector;
  if (namespace !== undefined) return addRequirement(selector, { key: NAMESPACE_LABEL, source: 'k8s', op: 'In', values: new Set([namespace]) });
  return addRequirement(selector, { key: NAMESPACE_LABEL, source: 'k8s', op: 'Exists', values: new Set() });
}

function compilePortRule(ctx: Ctx, value: unknown, path: RulePath, section: CiliumSection): CiliumPortRule {
  const rec = asRecord(value) ?? {};
  const where = formatPath(path);
  const ports: CiliumPort[] = [];
  const rawPorts = asArray(rec.ports);
  if (rawPorts.length === 0) ports.push({ protocol: 'ANY' });
  rawPorts.forEach((p, i) => {
    const port = compilePort(p);
    if (typeof port === 'string') ctx.problems.push(`${where}.ports[${i}]: ${port}`);
    else ports.push(port);
  });
  const l7: string[] = [];
  const rules = asRecord(rec.rules);
  if (rules) {
    for (const kind of ['http', 'dns', 'kafka'] as const) if (asArray(rules[kind]).length > 0) l7.push(kind);
    if (typeof rules.l7proto === 'string') l7.push(`l7proto ${rules.l7proto}`);
  }
  if (rec.terminatingTLS !== undefined || rec.originatingTLS !== undefined) l7.push('tls');
  if (rec.listener !== undefined) l7.push('envoy listener');
  if (l7.length > 0 && section.endsWith('Deny')) ctx.problems.push(`${where}: deny rules cannot have L7 rules (ignored by Cilium validation)`);
  return { path, ports, l7 };
}

function compilePort(value: unknown): CiliumPort | string {
  const p = asRecord(value);
  if (!p) return 'not a mapping';
  const protocolText = p.protocol === undefined || p.protocol === null || p.protocol === '' ? 'ANY' : typeof p.protocol === 'string' ? p.protocol.toUpperCase() : '';
  if (protocolText !== 'TCP' && protocolText !== 'UDP' && protocolText !== 'SCTP' && protocolText !== 'ANY') return `protocol ${String(p.protocol)} is not TCP, UDP, SCTP or ANY`;
  const out: CiliumPort = { protocol: protocolText };
  const raw = p.port;
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < 0 || raw > 65535) return `port ${raw} is out of range`;
    if (raw !== 0) out.port = raw;
  } else if (typeof raw === 'string' && raw !== '') {
    if (/^\d+$/.test(raw)) {
      const n = Number(raw);
      if (n > 65535) return `port ${raw} is out of range`;
      if (n !== 0) out.port = n;
    } else {
      out.port = raw; // a named port
    }
  }
  if (p.endPort !== undefined && p.endPort !== null) {
    const end = typeof p.endPort === 'number' ? p.endPort : typeof p.endPort === 'string' && /^\d+$/.test(p.endPort) ? Number(p.endPort) : NaN;
    if (!Number.isInteger(end) || typeof out.port !== 'number' || end < out.port || end > 65535) return 'endPort needs a numeric port not above it';
    out.endPort = end;
  }
  return out;
}
