/**
 * Policies parsed once into the shape the evaluator reads. Every rule keeps its path in the
 * object (`['spec', 'ingress', 1, 'from', 0]`) so that a verdict can name it and find its line.
 */
import type { L4Protocol, NetworkPolicyInfo } from '../../model';
import type { Ipv4Cidr } from '../../net/ipv4';
import type { Selector } from './labelSelector';

export type PathSegment = string | number;
export type RulePath = readonly PathSegment[];

/** `['spec', 'ingress', 1, 'from', 0]` → `spec.ingress[1].from[0]`. */
export function formatPath(path: RulePath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/** A CIDR with its exceptions; `ipv6` ones never match the IPv4 traffic the engine decides. */
export interface CidrBlock {
  cidr?: Ipv4Cidr;
  except: Ipv4Cidr[];
  ipv6: boolean;
  text: string;
}

// ------------------------------------------------------------------ Kubernetes NetworkPolicy

export interface NpPort {
  protocol: L4Protocol;
  /** Number, or a named port; undefined: every port of the protocol. */
  port?: number | string;
  endPort?: number;
}

export interface NpPeer {
  path: RulePath;
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: CidrBlock;
  /** A peer that can never match (empty or malformed). */
  invalid?: string;
}

export interface NpRule {
  path: RulePath;
  /** Undefined: every peer (the field is absent or empty). */
  peers?: NpPeer[];
  /** Undefined: every port and protocol. */
  ports?: NpPort[];
}

export interface CompiledNetworkPolicy {
  kind: 'NetworkPolicy';
  info: NetworkPolicyInfo;
  namespace: string;
  podSelector: Selector;
  /** policyTypes after defaulting. */
  ingressIsolation: boolean;
  egressIsolation: boolean;
  ingress: NpRule[];
  egress: NpRule[];
  problems: string[];
}

// ------------------------------------------------------------------ Cilium

export type CiliumProtocol = L4Protocol | 'ANY';

export interface CiliumPort {
  protocol: CiliumProtocol;
  /** Number, named port, or undefined / 0 for every port. */
  port?: number | string;
  endPort?: number;
}

export interface CiliumPortRule {
  path: RulePath;
  ports: CiliumPort[];
  /** L7 rule kinds on this port rule (`http`, `dns`, `kafka`, `l7proto`, TLS interception...). */
  l7: string[];
}

export type CiliumPeer =
  | { type: 'endpoints'; path: RulePath; selector: Selector }
  | { type: 'entity'; path: RulePath; entity: string }
  | { type: 'cidr'; path: RulePath; block: CidrBlock }
  | { type: 'cidrGroup'; path: RulePath; name: string }
  | { type: 'nodes'; path: RulePath; selector: Selector }
  | { type: 'fqdn'; path: RulePath; text: string }
  | { type: 'service'; path: RulePath; name?: string; namespace?: string; bySelector: boolean }
  | { type: 'groups'; path: RulePath };

export type CiliumSection = 'ingress' | 'ingressDeny' | 'egress' | 'egressDeny';

export interface CiliumRuleEntry {
  section: CiliumSection;
  path: RulePath;
  peers: CiliumPeer[];
  /** No L3 field, but ports: every peer (Cilium's L4-only rule). */
  l3Wildcard: boolean;
  /** Undefined: every port and protocol. */
  portRules?: CiliumPortRule[];
  /** `fromRequires` / `toRequires` present (not supported). */
  requires: boolean;
  /** Only ICMP rules: never matches TCP/UDP/SCTP. */
  icmpOnly: boolean;
}

export interface CompiledCiliumRule {
  /** `['spec']` or `['specs', i]`. */
  path: RulePath;
  /** With the namespace requirement a CiliumNetworkPolicy adds. Undefined for a host policy. */
  endpointSelector?: Selector;
  /** CCNP host policy (`nodeSelector`): not applicable to pod traffic. */
  nodeSelector?: Selector;
  ingress: CiliumRuleEntry[];
  ingressDeny: CiliumRuleEntry[];
  egress: CiliumRuleEntry[];
  egressDeny: CiliumRuleEntry[];
  /** The rule has rules of that direction (allow or deny). */
  hasIngress: boolean;
  hasEgress: boolean;
  /** Default deny after `enableDefaultDeny` (true when the rule has rules of that direction and it is not `false`). */
  defaultDenyIngress: boolean;
  defaultDenyEgress: boolean;
}

export interface CompiledCiliumPolicy {
  kind: 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
  info: NetworkPolicyInfo;
  /** Undefined for a clusterwide policy. */
  namespace?: string;
  rules: CompiledCiliumRule[];
  problems: string[];
}

export type CompiledPolicy = CompiledNetworkPolicy | CompiledCiliumPolicy;
