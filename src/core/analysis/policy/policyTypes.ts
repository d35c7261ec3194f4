/**
 * Types of the policy verdict engine: what a query asks, and what a verdict answers (the verdict,
 * why, and which policies and rules decided it, with the file and line of each rule).
 */
import type { L4Protocol, PolicyKind } from '../../model';

/** Which semantics decide: upstream Kubernetes NetworkPolicy, or Cilium (which enforces both kinds). */
export type PolicyEngineKind = 'kubernetes' | 'cilium';

export type VerdictKind = 'allow' | 'deny' | 'unknown';

/** One end of a query: `namespace/pod`, or an address/CIDR (`{ cidr: "a.b.c.d/n" }`, a bare address is a /32). */
export type EndpointQuery = string | { cidr: string };

export interface PolicyQuery {
  from: EndpointQuery;
  to: EndpointQuery;
  /** Destination port, 1–65535. */
  port: number;
  /** Default TCP. */
  protocol?: L4Protocol;
}

/** A policy object. `line` is the line of the object in `file`. */
export interface PolicyRef {
  kind: PolicyKind;
  namespace?: string;
  name: string;
  file?: string;
  line?: number;
}

/** What a rule did to this traffic. `isolate`: the policy selected the endpoint and so denies what nothing allows. */
export type RuleEffect = 'allow' | 'deny' | 'isolate' | 'unknown';

/** A rule of a policy, by its YAML path (`spec.ingress[1].from[0]`, `specs[2].egressDeny[0]`); `line` is the rule's line in `file`. */
export interface RuleRef extends PolicyRef {
  rule: string;
  effect: RuleEffect;
}

/** The verdict of one side: the source's egress or the destination's ingress. */
export interface DirectionVerdict {
  direction: 'egress' | 'ingress';
  verdict: VerdictKind;
  /** False when no policy engine acts on this side (external peer, host network, pod not managed by Cilium, no policy selects it). */
  enforced: boolean;
  /** Policies that select the endpoint in this direction. */
  selectedBy: PolicyRef[];
  /** Rules that decided: the allowing rules, the matching deny rules, or the isolating policies. */
  by: RuleRef[];
  reason: string;
}

/** How an end of the query was resolved. */
export interface ResolvedEndpointSummary {
  kind: 'pod' | 'external';
  /** `namespace/pod` or the CIDR. */
  name: string;
  ip?: string;
  /** For a pod: it has a CiliumEndpoint (undefined with the Kubernetes engine). */
  managed?: boolean;
  hostNetwork?: boolean;
  /** Cilium security identity, when known. */
  identity?: number;
  /** How a `{cidr}` end was resolved ("100.64.1.7/32 is the IP of pod shop/cart-…"). */
  resolvedFrom?: string;
  /** For an external end, what it is (a node IP, the kube-apiserver, outside the cluster...). */
  description?: string;
  /**
   * Engine cilium: the entities this end falls into, seen from the pod at the other end
   * (`world`, `host` or `remote-node`, `kube-apiserver`, `unmanaged`, `cluster`, `all`).
   */
  entities?: string[];
}

export interface PolicyVerdict {
  verdict: VerdictKind;
  reason: string;
  engine: PolicyEngineKind;
  from: ResolvedEndpointSummary;
  to: ResolvedEndpointSummary;
  port: number;
  protocol: L4Protocol;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
  /** The deciding rules of both sides: for `allow` the allowing rules, for `deny` the denying or isolating ones. */
  by: RuleRef[];
  /** Caveats: L7 rules, unsupported fields, assumptions. */
  notes: string[];
}

/** A query end that names a pod the store does not have, or a malformed query. */
export class PolicyQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyQueryError';
  }
}
