/**
 * Kubernetes NetworkPolicy (`networking.k8s.io/v1`) compiled from its raw `spec`, with the API
 * server's defaulting applied: `policyTypes` defaults to Ingress, plus Egress when the spec has
 * egress rules; a port's protocol defaults to TCP.
 */
import type { L4Protocol, NetworkPolicyInfo } from '../../model';
import { asArray, asRecord } from '../../project/jsonFields';
import { parseCidrBlock } from './cidrBlock';
import type { CompiledNetworkPolicy, NpPeer, NpPort, NpRule, RulePath } from './compiledPolicy';
import { formatPath } from './compiledPolicy';
import { parseSelector, type Selector } from './labelSelector';

export function compileNetworkPolicy(info: NetworkPolicyInfo): CompiledNetworkPolicy {
  const problems: string[] = [];
  const spec = asRecord(info.spec) ?? {};
  const namespace = info.namespace ?? 'default';
  let podSelector: Selector;
  if (spec.podSelector === undefined || spec.podSelector === null) {
    podSelector = { requirements: [], matchesNothing: false }; // required by the API; absent reads as {}
  } else {
    podSelector = parseSelector(spec.podSelector, { cilium: false });
    if (podSelector.problem) problems.push(`spec.podSelector: ${podSelector.problem}`);
  }
  const egressRules = asArray(spec.egress);
  const types = asArray(spec.policyTypes).filter((t): t is string => typeof t === 'string');
  let ingressIsolation: boolean;
  let egressIsolation: boolean;
  if (types.length === 0) {
    ingressIsolation = true;
    egressIsolation = egressRules.length > 0;
  } else {
    ingressIsolation = types.includes('Ingress');
    egressIsolation = types.includes('Egress');
    for (const t of types) if (t !== 'Ingress' && t !== 'Egress') problems.push(`spec.policyTypes: unknown type ${t}`);
  }
  return {
    kind: 'NetworkPolicy',
    info,
    namespace,
    podSelector,
    ingressIsolation,
    egressIsolation,
    ingress: asArray(spec.ingress).map((r, i) => compileRule(r, ['spec', 'ingress', i], 'from', problems)),
    egress: egressRules.map((r, i) => compileRule(r, ['spec', 'egress', i], 'to', problems)),
    problems,
  };
}

function compileRule(value: unknown, path: RulePath, peersField: 'from' | 'to', problems: string[]): NpRule {
  const rule = asRecord(value) ?? {};
  const out: NpRule = { path };
  const peers = asArray(rule[peersField]);
  if (peers.length > 0) out.peers = peers.map((p, j) => compilePeer(p, [...path, peersField, j], problems));
  const ports = asArray(rule.ports);
  if (ports.length > 0) {
    out.ports = [];
    ports.forEach((p, j) => {
      const port = compilePort(p);
      if (typeof port === 'string') problems.push(`${formatPath([...path, 'ports', j])}: ${port}`);
      else out.ports?.push(port);
    });
  }
  return out;
}

function compilePeer(value: unknown, path: RulePath, problems: string[]): NpPeer {
  const peer = asRecord(value);
  const where = formatPath(path);
  if (!peer) {
    problems.push(`${where}: not a mapping`);
    return { path, invalid: 'not a mapping' };
  }
  const out: NpPeer = { path };
  if (peer.podSelector !== undefined && peer.podSelector !== null) {
    out.podSelector = parseSelector(peer.podSelector, { cilium: false });
    if (out.podSelector.problem) problems.push(`${where}.podSelector: ${out.podSelector.problem}`);
  }
  if (peer.namespaceSelector !== undefined && peer.namespaceSelector !== null) {
    out.namespaceSelector = parseSelector(peer.namespaceSelector, { cilium: false });
    if (out.namespaceSelector.problem) problems.push(`${where}.namespaceSelector: ${out.namespaceSelector.problem}`);
  }
  const ipBlock = asRecord(peer.ipBlock);
  if (ipBlock) {
    if (out.podSelector || out.namespaceSelector) {
      problems.push(`${where}: ipBlock cannot be combined with a selector`);
      return { path, invalid: 'ipBlock combined with a selector' };
    }
    const block = parseCidrBlock(ipBlock.cidr, asArray(ipBlock.except));
    if ('problem' in block) {
      problems.push(`${where}.ipBlock: ${block.problem}`);
      return { path, invalid: block.problem };
    }
    out.ipBlock = block;
  }
  if (!out.podSelector && !out.namespaceSelector && !out.ipBlock) {
    problems.push(`${where}: peer has no podSelector, namespaceSelector or ipBlock`);
    return { path, invalid: 'empty peer' };
  }
  return out;
}

function compilePort(value: unknown): NpPort | string {
  const p = asRecord(value);
  if (!p) return 'not a mapping';
  const protocol = p.protocol === undefined || p.protocol === null ? 'TCP' : typeof p.protocol === 'string' ? p.protocol.toUpperCase() : '';
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') return `protocol ${String(p.protocol)} is not TCP, UDP or SCTP`;
  const out: NpPort = { protocol: protocol as L4Protocol };
  if (typeof p.port === 'number') {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) return `port ${p.port} is out of range`;
    out.port = p.port;
  } else if (typeof p.port === 'string' && p.port !== '') {
    out.port = p.port;
  } else if (p.port !== undefined && p.port !== null) {
    return 'port is neither a number nor a name';
  }
  if (p.endPort !== undefined && p.endPort !== null) {
    if (typeof p.endPort !== 'number' || typeof out.port !== 'number' || p.endPort < out.port) return 'endPort needs a numeric port not above it';
    out.endPort = p.endPort;
  }
  return out;
}
