/**
 * Decides whether traffic from a source to a destination on a port is allowed, and by what.
 *
 * Traffic is allowed when the source's egress and the destination's ingress both allow it. Each
 * side is decided by the policies that select that endpoint for that direction:
 * - engine `kubernetes`: upstream NetworkPolicy semantics (ipBlock also matches pod IPs);
 *   Cilium policies are ignored;
 * - engine `cilium`: Cilium enforces NetworkPolicy and CiliumNetworkPolicy /
 *   CiliumClusterwideNetworkPolicy together, by security identity: CIDR rules (and ipBlock) match
 *   only addresses outside the cluster, label selectors match only pods that Cilium manages, a pod
 *   without a CiliumEndpoint is not enforced, deny rules take precedence over allow rules.
 * Pure: reads the store, writes nothing; the only I/O is the optional rule locator reading the
 * manifests to find rule lines.
 */
import type { L4Protocol, NetworkPolicyInfo, NodeInfo, ServiceInfo } from '../../model';
import { ipv6PodNote, podAddresses } from '../../net/ipAddress';
import { parseCidr } from '../../net/ipv4';
import type { ClusterStore } from '../../store/clusterStore';
import { matchBlock } from './cidrBlock';
import {
  formatPath,
  type CiliumPeer,
  type CiliumPort,
  type CiliumRuleEntry,
  type CompiledCiliumPolicy,
  type CompiledNetworkPolicy,
  type NpPeer,
  type NpPort,
  type RulePath,
} from './compiledPolicy';
import { describeSelector, LabelSet, matchesSelector } from './labelSelector';
import { endName, LabelCache, resolveEnd, type End, type ExternalEnd, type PodEnd } from './policyEndpoints';
import { PolicyIndex } from './policyIndex';
import type {
  DirectionVerdict,
  PolicyEngineKind,
  PolicyQuery,
  PolicyRef,
  PolicyVerdict,
  ResolvedEndpointSummary,
  RuleEffect,
  RuleRef,
  VerdictKind,
} from './policyTypes';
import { PolicyQueryError } from './policyTypes';
import type { RuleLocator } from './ruleLocator';

export interface PolicyEngineOptions {
  engine: PolicyEngineKind;
  /** Finds rule lines in the manifests; without it, rules carry the policy's file and line only. */
  ruleLocator?: RuleLocator;
  /** Use the selector index (default). Off: every policy of the namespace is tried (a baseline for benchmarks). */
  selectorIndex?: boolean;
}

/** Cilium agent settings that change verdicts, from `kube-system/cilium-config`. */
interface CiliumKnobs {
  clusterName: string;
  /** `enable-policy`: default | always | never. */
  enforcement: string;
  /** `allow-localhost`: auto | always | policy. */
  allowLocalhost: string;
  /** `policy-cidr-match-mode` includes `nodes`: CIDR rules also match node addresses. */
  cidrMatchesNodes: boolean;
}

/** How the peer looks to Cilium from the enforcing endpoint. */
interface CiliumPeerView {
  labels: LabelSet;
  entities: ReadonlySet<string>;
  /** CIDR rules can match it (it carries CIDR labels). */
  cidrMatchable: boolean;
  /** For a node: its labels (for fromNodes / toNodes). */
  node?: NodeInfo;
  /** Outside the cluster (world). */
  world: boolean;
}

type Direction = 'egress' | 'ingress';

interface Hit {
  ref: RuleRef;
  why?: string;
  l7?: string[];
}

/** What the rules of one side said. */
interface SideState {
  selectedBy: Map<string, PolicyRef>;
  isolating: RuleRef[];
  allows: Hit[];
  denies: Hit[];
  unknownAllows: Hit[];
  unknownDenies: Hit[];
  requires: RuleRef[];
}

export class PolicyEngine {
  readonly engine: PolicyEngineKind;
  private readonly index: PolicyIndex;
  private readonly locator: RuleLocator | undefined;
  private apiServerIps: Set<string> | undefined;
  private readonly subscription: { dispose(): void };
  private readonly labels = new LabelCache();
  private knobsCache: { source: unknown; knobs: CiliumKnobs } | undefined;

  constructor(
    private readonly store: ClusterStore,
    options: PolicyEngineOptions,
  ) {
    this.engine = options.engine;
    this.index = new PolicyIndex(store, options.selectorIndex !== false);
    this.locator = options.ruleLocator;
    this.subscription = store.onChange((changes) => {
      if (changes.some((c) => c.kind === 'endpointSlice')) this.apiServerIps = undefined;
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.index.dispose();
  }

  /** The verdict for one query. Throws `PolicyQueryError` when an end names a missing pod or is malformed. */
  verdict(query: PolicyQuery): PolicyVerdict {
    return this.decideQuery(query, true);
  }

  private decideQuery(query: PolicyQuery, translateServices: boolean): PolicyVerdict {
    // queries come from JSON files (`cni-lens verdicts --queries`): check the types, not only the values
    const protocol = (typeof query.protocol === 'string' ? query.protocol.toUpperCase() : query.protocol ?? 'TCP') as L4Protocol;
    if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') throw new PolicyQueryError(`protocol ${String(query.protocol)} is not TCP, UDP or SCTP`);
    if (!Number.isInteger(query.port) || query.port < 1 || query.port > 65535) throw new PolicyQueryError(`port ${String(query.port)} is not 1-65535`);
    const assumeManaged = this.engine === 'cilium' && this.store.count('ciliumEndpoint') === 0;
    const resolverCtx = { store: this.store, assumeManaged, apiServerIps: this.kubeApiServerIps(), labels: this.labels };
    const from = resolveEnd(resolverCtx, query.from);
    const to = resolveEnd(resolverCtx, query.to);
    if (to.kind === 'external' && to.service && translateServices) {
      const viaService = this.verdictViaService(query, protocol, to.service);
      if (viaService) return viaService;
    }
    const knobs = this.ciliumKnobs();
    const notes: string[] = [];
    if (assumeManaged) notes.push('the input has no CiliumEndpoints: every pod-network pod is taken as managed by Cilium');
    if (from.kind === 'external' && from.resolvedFrom === undefined) notes.push(`source: ${from.description}`);
    if (to.kind === 'external') notes.push(`destination: ${to.description}`);
    for (const end of [from, to]) {
      const ipv6 = end.kind === 'pod' ? ipv6PodNote(end.pod, 'decided') : undefined;
      if (ipv6 !== undefined && !notes.includes(ipv6)) notes.push(`${ipv6}${end.kind === 'pod' && !end.ipRange ? ': CIDR rules and ipBlock are not matched against it' : ''}`);
    }

    const ctx: EvalContext = { from, to, port: query.port, protocol, knobs, notes };
    let egress: DirectionVerdict;
    let ingress: DirectionVerdict;
    if (from.kind === 'pod' && to.kind === 'pod' && from.key === to.key) {
      const reason = `traffic from ${from.key} to itself stays inside the pod: no policy applies`;
      egress = notEnforced('egress', reason);
      ingress = notEnforced('ingress', reason);
    } else {
      egress = this.side(ctx, 'egress');
      ingress = this.side(ctx, 'ingress');
    }
    return this.combine(ctx, egress, ingress);
  }

  /**
   * A destination that is a Service IP: policies see the backend after service translation, so
   * each ready backend of the EndpointSlices is decided; one verdict when they agree.
   */
  private verdictViaService(query: PolicyQuery, protocol: L4Protocol, svc: ServiceInfo): PolicyVerdict | undefined {
    const servicePort = svc.ports.find((p) => p.port === query.port && p.protocol === protocol);
    if (!servicePort) return undefined;
    const backends: Array<{ ip: string; port: number }> = [];
    for (const slice of this.store.list('endpointSlice')) {
      if (slice.namespace !== svc.namespace || slice.serviceName !== svc.name) continue;
      const slicePort = slice.ports.find((p) => p.protocol === protocol && (servicePort.name === undefined || p.name === servicePort.name));
      const port = slicePort?.port ?? (typeof servicePort.targetPort === 'number' ? servicePort.targetPort : servicePort.port);
      for (const ep of slice.endpoints) if (ep.ready) for (const ip of ep.addresses) if (!ip.includes(':')) backends.push({ ip, port });
    }
    if (backends.length === 0) return undefined;
    const verdicts = backends.map((b) => this.decideQuery({ from: query.from, to: { cidr: `${b.ip}/32` }, port: b.port, protocol }, false));
    const first = verdicts[0] as PolicyVerdict;
    const target = `Service ${svc.namespace}/${svc.name} (${query.port}/${protocol})`;
    const names = verdicts.map((v) => `${v.to.name}:${v.port}`);
    const note = `the destination is ${target}: decided for its ${verdicts.length} ready backend${verdicts.length === 1 ? '' : 's'} ${names.join(', ')}, as policies see them after service translation`;
    const same = verdicts.every((v) => v.verdict === first.verdict);
    return {
      ...first,
      verdict: same ? first.verdict : 'unknown',
      reason: same
        ? `${target} → ${verdicts.length === 1 ? names[0] : `every backend (${names.join(', ')})`}: ${first.reason}`
        : `${target}: its backends differ: ${verdicts.map((v, i) => `${names[i]} ${v.verdict}`).join(', ')}`,
      by: sortRefs(verdicts.flatMap((v) => v.by)),
      notes: unique([note, ...verdicts.flatMap((v) => v.notes)]),
    };
  }

  // ------------------------------------------------------------------ one side

  private side(ctx: EvalContext, direction: Direction): DirectionVerdict {
    const subject = direction === 'egress' ? ctx.from : ctx.to;
    const peer = direction === 'egress' ? ctx.to : ctx.from;
    if (subject.kind === 'external') {
      const hostRules = this.engine === 'cilium' && (subject.hostNetworkPod || subject.nodes.length > 0) ? this.index.hostRules() : [];
      if (hostRules.length > 0) {
        ctx.notes.push(
          `host policies (CiliumClusterwideNetworkPolicy with nodeSelector: ${unique(hostRules.map((r) => r.policy.info.name)).join(', ')}) act on the nodes' own traffic, not on pod traffic, and are not evaluated`,
        );
      }
      if (subject.hostNetworkPod) return notEnforced(direction, `${endName(subject)} uses the host network: pod policies do not apply to it`);
      return notEnforced(direction, `${endName(subject)} is not a pod of the cluster: no ${direction} policy applies to it`);
    }
    const pod = subject;
    if (this.engine === 'cilium') {
      if (!pod.managed) {
        const k8s = this.index.networkPoliciesSelecting(pod.pod.namespace, pod.podLabelSet);
        const selecting = k8s.filter((p) => (direction === 'ingress' ? p.ingressIsolation : p.egressIsolation));
        const also = selecting.length > 0 ? ` (${selecting.map((p) => describePolicy(p.info)).join(', ')} select${selecting.length === 1 ? 's' : ''} it but is not enforced)` : '';
        return notEnforced(direction, `${pod.key} has no CiliumEndpoint: Cilium does not manage it (it started before Cilium or Cilium skipped it), so its ${direction} is not enforced${also}`);
      }
      if (ctx.knobs.enforcement === 'never') return notEnforced(direction, `Cilium policy enforcement is off (enable-policy=never): ${direction} of ${pod.key} is allowed`);
    }

    const state: SideState = { selectedBy: new Map(), isolating: [], allows: [], denies: [], unknownAllows: [], unknownDenies: [], requires: [] };
    this.evalNetworkPolicies(ctx, direction, pod, peer, state);
    const ciliumLabels = this.engine === 'cilium' || this.index.policyCount(pod.pod.namespace) + this.index.policyCount('') > 0 ? this.labels.ciliumLabels(pod, ctx.knobs.clusterName) : undefined;
    if (this.engine === 'cilium' && ciliumLabels) {
      this.evalCiliumPolicies(ctx, direction, pod, peer, ciliumLabels, state);
    } else if (ciliumLabels) {
      const ignored = this.index.ciliumRulesSelecting(pod.pod.namespace, ciliumLabels).filter((r) => (direction === 'ingress' ? r.rule.hasIngress : r.rule.hasEgress));
      if (ignored.length > 0) {
        ctx.notes.push(`engine kubernetes: ${unique(ignored.map((r) => describePolicy(r.policy.info))).join(', ')} select${ignored.length === 1 ? 's' : ''} ${pod.key} for ${direction} but Cilium policies are ignored`);
      }
    }
    const forceIsolated = this.engine === 'cilium' && ctx.knobs.enforcement === 'always';
    return this.decide(ctx, direction, pod, peer, state, forceIsolated);
  }

  private decide(ctx: EvalContext, direction: Direction, pod: PodEnd, peer: End, state: SideState, forceIsolated: boolean): DirectionVerdict {
    const selectedBy = [...state.selectedBy.values()].sort((a, b) => (refKey(a) < refKey(b) ? -1 : refKey(a) > refKey(b) ? 1 : 0));
    const enforced = selectedBy.length > 0 || forceIsolated;
    const what = direction === 'ingress' ? `ingress to ${pod.key} from ${endName(peer)}` : `egress from ${pod.key} to ${endName(peer)}`;
    const portText = `${ctx.protocol} ${ctx.port}`;
    const side: SideFacts = { direction, enforced, selectedBy };

    if (state.denies.length > 0) {
      return sideVerdict(side, 'deny', state.denies.map((h) => h.ref), `${what} on ${portText} is denied by ${describeRules(state.denies.map((h) => h.ref))} (deny rules take precedence over allow rules)`);
    }
    // traffic from the pod's own node: kubelet probes (Kubernetes), allow-localhost (Cilium)
    const localHost = direction === 'ingress' && peer.kind === 'external' && peer.nodes.some((n) => n.name === pod.pod.nodeName);
    const hostAlwaysAllowed = localHost && (this.engine === 'kubernetes' || ctx.knobs.allowLocalhost !== 'policy');
    const isolated = state.isolating.length > 0 || forceIsolated;
    if (state.unknownDenies.length > 0 && (state.allows.length > 0 || !isolated || hostAlwaysAllowed)) {
      const hits = state.unknownDenies;
      return sideVerdict(side, 'unknown', hits.map((h) => h.ref), `${what} on ${portText} cannot be decided: ${hits.map((h) => `${describeRule(h.ref)} may deny it (${h.why})`).join('; ')}`);
    }
    if (state.allows.length > 0) {
      const refs = state.allows.map((h) => h.ref);
      this.noteL7(ctx, state.allows);
      if (state.requires.length > 0) {
        return sideVerdict(side, 'unknown', [...refs, ...state.requires], `${what} on ${portText} is allowed by ${describeRules(refs)}, but ${describeRules(state.requires)} use fromRequires/toRequires, which narrow every allowed peer and are not supported`);
      }
      return sideVerdict(side, 'allow', refs, `${what} on ${portText} is allowed by ${describeRules(refs)}`);
    }
    if (hostAlwaysAllowed) {
      const why = this.engine === 'kubernetes'
        ? 'NetworkPolicy always allows a pod\'s own node (kubelet probes)'
        : `Cilium always allows the local host (allow-localhost=${ctx.knobs.allowLocalhost})`;
      return sideVerdict(side, 'allow', [], `${what} comes from the pod's own node: ${why}`);
    }
    if (state.unknownAllows.length > 0) {
      const hits = state.unknownAllows;
      return sideVerdict(side, 'unknown', hits.map((h) => h.ref), `${what} on ${portText} cannot be decided: ${hits.map((h) => `${describeRule(h.ref)} may allow it (${h.why})`).join('; ')}`);
    }
    if (isolated) {
      const by = sortRefs(state.isolating);
      const policies = unique(by.map((r) => describeRef(r)));
      const isolator = forceIsolated && by.length === 0 ? 'Cilium policy enforcement always (enable-policy=always)' : policies.join(', ');
      return sideVerdict(
        side,
        'deny',
        by,
        `${direction} ${direction === 'ingress' ? 'to' : 'of'} ${pod.key} is isolated by ${isolator} and no rule allows ${direction === 'ingress' ? endName(peer) : `${endName(peer)} as destination`} on ${portText}`,
      );
    }
    if (selectedBy.length > 0) {
      return sideVerdict(side, 'allow', [], `${pod.key} is selected for ${direction} only by policies that do not isolate it (${selectedBy.map((p) => describeRef(p)).join(', ')}: enableDefaultDeny ${direction} false) and nothing denies ${endName(peer)} on ${portText}: allowed`);
    }
    return { direction, verdict: 'allow', enforced: false, selectedBy, by: [], reason: `no policy selects ${pod.key} for ${direction}: allowed` };
  }

  private noteL7(ctx: EvalContext, allows: Hit[]): void {
    const withL7 = allows.filter((h) => h.l7 && h.l7.length > 0);
    if (withL7.length === 0) return;
    const kinds = unique(withL7.flatMap((h) => h.l7 ?? [])).join(', ');
    const plain = allows.length - withL7.length;
    const rules = describeRules(withL7.map((h) => h.ref));
    ctx.notes.push(
      plain > 0
        ? `${rules} add${withL7.length === 1 ? 's' : ''} L7 rules (${kinds}), but other rules allow this port at L3/L4, so the L7 rules do not restrict this peer`
        : `allowed at L3/L4; the L7 rules (${kinds}) of ${rules} then filter each request through the proxy. L7 policy may be limited in aws-cni chaining (Cilium documents it as a chaining limitation, cilium/cilium#12454): check the result with Hubble`,
    );
  }

  // ------------------------------------------------------------------ Kubernetes NetworkPolicy

  private evalNetworkPolicies(ctx: EvalContext, direction: Direction, pod: PodEnd, peer: End, state: SideState): void {
    const policies = this.index.networkPoliciesSelecting(pod.pod.namespace, pod.podLabelSet);
    const dest = direction === 'ingress' ? pod : peer;
    for (const np of policies) {
      if (direction === 'ingress' ? !np.ingressIsolation : !np.egressIsolation) continue;
      const policyRef = this.policyRef(np.info);
      state.selectedBy.set(refKey(policyRef), policyRef);
      noteProblems(ctx, np.info, np.problems);
      state.isolating.push(this.ruleRef(np.info, ['spec', 'podSelector'], 'isolate'));
      for (const rule of direction === 'ingress' ? np.ingress : np.egress) {
        if (rule.ports && !rule.ports.some((p) => this.npPortMatches(p, dest, ctx.port, ctx.protocol))) continue;
        if (!rule.peers) {
          state.allows.push({ ref: this.ruleRef(np.info, rule.path, 'allow') });
          continue;
        }
        for (const p of rule.peers) {
          if (this.npPeerMatches(ctx, np, p, peer, pod)) state.allows.push({ ref: this.ruleRef(np.info, p.path, 'allow') });
        }
      }
    }
  }

  private npPeerMatches(ctx: EvalContext, np: CompiledNetworkPolicy, p: NpPeer, peer: End, subject: PodEnd): boolean {
    if (p.invalid) return false;
    const where = `${describePolicy(np.info)} ${formatPath(p.path)}`;
    if (p.ipBlock) {
      if (peer.kind === 'pod') {
        const inside = peer.ipRange !== undefined && matchBlock(p.ipBlock, peer.ipRange) === 'all';
        if (this.engine === 'kubernetes') return inside;
        if (inside) ctx.notes.push(`${where} (ipBlock ${p.ipBlock.text}) covers the IP of pod ${peer.key}, but Cilium matches ipBlock only against addresses outside the cluster, not pods`);
        return false;
      }
      if (this.engine === 'cilium') {
        const view = this.ciliumView(ctx, peer, subject);
        if (!view.cidrMatchable) {
          if (matchBlock(p.ipBlock, peer.range) === 'all') ctx.notes.push(`${where} (ipBlock ${p.ipBlock.text}) covers ${endName(peer)}, but Cilium does not match CIDR rules against cluster nodes (policy-cidr-match-mode is not "nodes")`);
          return false;
        }
      }
      return this.blockMatches(ctx, where, p.ipBlock, peer);
    }
    if (peer.kind !== 'pod') return false;
    const nsOk = p.namespaceSelector ? matchesSelector(p.namespaceSelector, peer.namespaceLabelSet) : peer.pod.namespace === np.namespace;
    const podOk = p.podSelector ? matchesSelector(p.podSelector, peer.podLabelSet) : true;
    if (!nsOk || !podOk) return false;
    if (this.engine === 'cilium' && !peer.managed) {
      ctx.notes.push(`${where} selects ${peer.key} by labels, but the pod has no CiliumEndpoint: Cilium sees it as the identity "unmanaged", which label selectors do not match`);
      return false;
    }
    return true;
  }

  private npPortMatches(p: NpPort, dest: End, port: number, protocol: L4Protocol): boolean {
    if (p.protocol !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
    return this.namedPort(dest, p.port, protocol) === port;
  }

  /** The number of a named port of the destination pod (Cilium's named ports first, then the container ports). */
  private namedPort(dest: End, name: string, protocol: L4Protocol | 'ANY'): number | undefined {
    if (dest.kind !== 'pod') return undefined;
    if (this.engine === 'cilium' && dest.cep && dest.cep.namedPorts.length > 0) {
      const np = dest.cep.namedPorts.find((n) => n.name === name && (protocol === 'ANY' || n.protocol === protocol));
      if (np) return np.port;
    }
    const cp = dest.pod.containerPorts.find((c) => c.name === name && (protocol === 'ANY' || c.protocol === protocol));
    return cp?.port;
  }

  private blockMatches(ctx: EvalContext, where: string, block: Parameters<typeof matchBlock>[0], peer: ExternalEnd): boolean {
    const m = matchBlock(block, peer.range);
    if (m === 'part') ctx.notes.push(`${where} (${block.text}) covers only part of ${peer.range.text}: taken as not matching`);
    return m === 'all';
  }

  // ------------------------------------------------------------------ Cilium policies

  private evalCiliumPolicies(ctx: EvalContext, direction: Direction, pod: PodEnd, peer: End, labels: LabelSet, state: SideState): void {
    const rules = this.index.ciliumRulesSelecting(pod.pod.namespace, labels);
    const dest = direction === 'ingress' ? pod : peer;
    let view: CiliumPeerView | undefined;
    for (const { policy, rule } of rules) {
      if (direction === 'ingress' ? !rule.hasIngress : !rule.hasEgress) continue;
      const policyRef = this.policyRef(policy.info);
      state.selectedBy.set(refKey(policyRef), policyRef);
      noteProblems(ctx, policy.info, policy.problems);
      if (direction === 'ingress' ? rule.defaultDenyIngress : rule.defaultDenyEgress) {
        state.isolating.push(this.ruleRef(policy.info, [...rule.path, 'endpointSelector'], 'isolate'));
      }
      view ??= this.ciliumView(ctx, peer, pod);
      const allowEntries = direction === 'ingress' ? rule.ingress : rule.egress;
      const denyEntries = direction === 'ingress' ? rule.ingressDeny : rule.egressDeny;
      for (const entry of allowEntries) {
        if (entry.requires) state.requires.push(this.ruleRef(policy.info, entry.path, 'unknown'));
        this.evalEntry(ctx, policy, entry, peer, dest, view, 'allow', state);
      }
      for (const entry of denyEntries) this.evalEntry(ctx, policy, entry, peer, dest, view, 'deny', state);
    }
  }

  private evalEntry(ctx: EvalContext, policy: CompiledCiliumPolicy, entry: CiliumRuleEntry, peer: End, dest: End, view: CiliumPeerView, effect: 'allow' | 'deny', state: SideState): void {
    if (entry.icmpOnly) return;
    let l7: string[] = [];
    if (entry.portRules) {
      const matching = entry.portRules.filter((pr) => pr.ports.some((p) => this.ciliumPortMatches(p, dest, ctx.port, ctx.protocol)));
      if (matching.length === 0) return;
      if (matching.every((pr) => pr.l7.length > 0)) l7 = unique(matching.flatMap((pr) => pr.l7));
    }
    if (entry.l3Wildcard) {
      this.pushHit(state, policy.info, entry.path, effect, 'yes', undefined, l7);
      return;
    }
    for (const p of entry.peers) {
      const m = this.ciliumPeerMatches(ctx, policy, p, peer, view);
      if (m.result !== 'no') this.pushHit(state, policy.info, p.path, effect, m.result, m.why, l7);
    }
  }

  private pushHit(state: SideState, info: NetworkPolicyInfo, path: RulePath, effect: 'allow' | 'deny', result: 'yes' | 'unknown', why: string | undefined, l7: string[]): void {
    const hit: Hit = { ref: this.ruleRef(info, path, result === 'yes' ? effect : 'unknown') };
    if (why) hit.why = why;
    if (l7.length > 0 && effect === 'allow') hit.l7 = l7;
    if (result === 'yes') (effect === 'allow' ? state.allows : state.denies).push(hit);
    else (effect === 'allow' ? state.unknownAllows : state.unknownDenies).push(hit);
  }

  private ciliumPeerMatches(ctx: EvalContext, policy: CompiledCiliumPolicy, p: CiliumPeer, peer: End, view: CiliumPeerView): { result: 'yes' | 'no' | 'unknown'; why?: string } {
    const where = `${describePolicy(policy.info)} ${formatPath(p.path)}`;
    switch (p.type) {
      case 'endpoints': {
        if (matchesSelector(p.selector, view.labels)) return { result: 'yes' };
        if (peer.kind === 'pod' && !peer.managed && matchesSelector(p.selector, this.ciliumLabelsIfManaged(ctx, peer))) {
          ctx.notes.push(`${where} (${describeSelector(p.selector)}) would select ${peer.key}, but the pod has no CiliumEndpoint: Cilium sees it as the identity "unmanaged"`);
        }
        return { result: 'no' };
      }
      case 'entity':
        return { result: entityMatches(p.entity, view) ? 'yes' : 'no' };
      case 'cidr': {
        if (peer.kind === 'pod' || !view.cidrMatchable) {
          const range = peer.kind === 'pod' ? peer.ipRange : peer.range;
          if (range && matchBlock(p.block, range) === 'all') {
            ctx.notes.push(`${where} (${p.block.text}) covers ${endName(peer)}, but Cilium matches CIDR rules only against addresses outside the cluster, not ${peer.kind === 'pod' ? 'pods' : 'nodes'}`);
          }
          return { result: 'no' };
        }
        return { result: this.blockMatches(ctx, where, p.block, peer) ? 'yes' : 'no' };
      }
      case 'cidrGroup':
        return view.cidrMatchable ? { result: 'unknown', why: `CiliumCIDRGroup ${p.name} is not read` } : { result: 'no' };
      case 'nodes': {
        if (!view.node) return { result: 'no' };
        return { result: matchesSelector(p.selector, this.labels.node(view.node)) ? 'yes' : 'no' };
      }
      case 'fqdn':
        return view.world && view.cidrMatchable
          ? { result: 'unknown', why: `toFQDNs ${p.text}: the addresses of DNS names are learned at run time from DNS answers and cannot be decided from manifests` }
          : { result: 'no' };
      case 'groups':
        return view.cidrMatchable ? { result: 'unknown', why: 'toGroups/fromGroups (cloud security groups) are resolved by the operator at run time' } : { result: 'no' };
      case 'service':
        return this.serviceMatches(p, peer, view);
    }
  }

  private serviceMatches(p: Extract<CiliumPeer, { type: 'service' }>, peer: End, view: CiliumPeerView): { result: 'yes' | 'no' | 'unknown'; why?: string } {
    if (p.bySelector || p.name === undefined) return { result: 'unknown', why: 'toServices k8sServiceSelector is not evaluated' };
    if (p.namespace === undefined) return { result: 'unknown', why: `toServices ${p.name} has no namespace` };
    const svc = this.store.get('service', `${p.namespace}/${p.name}`);
    if (!svc) return { result: 'unknown', why: `Service ${p.namespace}/${p.name} is not in the input` };
    if (svc.selector) {
      // a Service with a selector: Cilium selects its backend pods by the selector
      if (peer.kind !== 'pod' || !peer.managed || peer.pod.namespace !== svc.namespace) return { result: 'no' };
      return { result: Object.entries(svc.selector).every(([k, v]) => peer.pod.labels[k] === v) ? 'yes' : 'no' };
    }
    // without a selector: its endpoints' addresses, as CIDRs
    if (peer.kind === 'pod' || !view.cidrMatchable) return { result: 'no' };
    for (const slice of this.store.list('endpointSlice')) {
      if (slice.namespace !== svc.namespace || slice.serviceName !== svc.name) continue;
      for (const ep of slice.endpoints) {
        for (const addr of ep.addresses) {
          const c = parseCidr(`${addr}/32`);
          if (c && peer.range.bits === 32 && c.base === peer.range.base) return { result: 'yes' };
        }
      }
    }
    return { result: 'no' };
  }

  private ciliumPortMatches(p: CiliumPort, dest: End, port: number, protocol: L4Protocol): boolean {
    if (p.protocol !== 'ANY' && p.protocol !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
    return this.namedPort(dest, p.port, p.protocol === 'ANY' ? protocol : p.protocol) === port;
  }

  private ciliumLabelsIfManaged(ctx: EvalContext, peer: PodEnd): LabelSet {
    return this.labels.ciliumLabels(peer, ctx.knobs.clusterName);
  }

  /** The peer as Cilium identifies it, seen from the endpoint that enforces. */
  private ciliumView(ctx: EvalContext, peer: End, subject: PodEnd): CiliumPeerView {
    if (peer.kind === 'pod') {
      if (peer.managed) return { labels: this.labels.ciliumLabels(peer, ctx.knobs.clusterName), entities: POD_ENTITIES, cidrMatchable: false, world: false };
      return UNMANAGED_VIEW;
    }
    if (peer.nodes.length > 0) {
      const local = peer.nodes.some((n) => n.name === subject.pod.nodeName);
      const base = local ? (peer.apiServer ? HOST_APISERVER_VIEW : HOST_VIEW) : peer.apiServer ? REMOTE_NODE_APISERVER_VIEW : REMOTE_NODE_VIEW;
      const view: CiliumPeerView = { ...base, cidrMatchable: ctx.knobs.cidrMatchesNodes };
      const node = peer.nodes[0];
      if (node) view.node = node;
      return view;
    }
    return peer.apiServer ? APISERVER_VIEW : WORLD_VIEW;
  }

  // ------------------------------------------------------------------ the verdict

  private combine(ctx: EvalContext, egress: DirectionVerdict, ingress: DirectionVerdict): PolicyVerdict {
    let verdict: VerdictKind;
    let reason: string;
    let by: RuleRef[];
    const sides = [egress, ingress];
    const denied = sides.filter((s) => s.verdict === 'deny');
    const unknown = sides.filter((s) => s.verdict === 'unknown');
    if (denied.length > 0) {
      verdict = 'deny';
      reason = denied.map((s) => s.reason).join('; ');
      by = denied.flatMap((s) => s.by);
    } else if (unknown.length > 0) {
      verdict = 'unknown';
      reason = unknown.map((s) => s.reason).join('; ');
      by = unknown.flatMap((s) => s.by);
    } else {
      verdict = 'allow';
      reason = `allowed: ${egress.reason}; ${ingress.reason}`;
      by = [...egress.by, ...ingress.by];
    }
    return {
      verdict,
      reason,
      engine: this.engine,
      from: this.summary(ctx, ctx.from, ctx.to),
      to: this.summary(ctx, ctx.to, ctx.from),
      port: ctx.port,
      protocol: ctx.protocol,
      egress,
      ingress,
      by,
      notes: unique(ctx.notes),
    };
  }

  private summary(ctx: EvalContext, end: End, other: End): ResolvedEndpointSummary {
    let s: ResolvedEndpointSummary;
    if (end.kind === 'pod') {
      s = { kind: 'pod', name: end.key };
      const ip = podAddresses(end.pod).ipv4[0] ?? end.pod.ip;
      if (ip) s.ip = ip;
      if (this.engine === 'cilium') s.managed = end.managed;
      if (end.cep?.identityId !== undefined) s.identity = end.cep.identityId;
      if (end.resolvedFrom) s.resolvedFrom = end.resolvedFrom;
    } else {
      s = { kind: 'external', name: endName(end), description: end.description };
      if (end.ip) s.ip = end.ip;
      if (end.hostNetworkPod) s.hostNetwork = true;
    }
    if (this.engine === 'cilium' && other.kind === 'pod') s.entities = [...this.ciliumView(ctx, end, other).entities].sort();
    return s;
  }

  // ------------------------------------------------------------------ references

  private policyRef(info: NetworkPolicyInfo): PolicyRef {
    // key order is the order of the JSON output: kind, namespace, name, file, line
    const ref = { kind: info.kind } as PolicyRef;
    if (info.namespace !== undefined) ref.namespace = info.namespace;
    ref.name = info.name;
    if (info.origin.file) ref.file = info.origin.file;
    if (info.origin.line !== undefined) ref.line = info.origin.line;
    return ref;
  }

  private ruleRef(info: NetworkPolicyInfo, path: RulePath, effect: RuleEffect): RuleRef {
    const ref = { kind: info.kind } as RuleRef;
    if (info.namespace !== undefined) ref.namespace = info.namespace;
    ref.name = info.name;
    ref.rule = formatPath(path);
    if (info.origin.file) ref.file = info.origin.file;
    const line = this.locator?.lineOf(info.origin, path) ?? info.origin.line;
    if (line !== undefined) ref.line = line;
    ref.effect = effect;
    return ref;
  }

  // ------------------------------------------------------------------ cluster facts

  private ciliumKnobs(): CiliumKnobs {
    const cm = this.store.get('configMap', 'kube-system/cilium-config');
    if (this.knobsCache && this.knobsCache.source === cm) return this.knobsCache.knobs;
    const data = cm?.data ?? {};
    const knobs: CiliumKnobs = {
      clusterName: data['cluster-name'] || 'default',
      enforcement: data['enable-policy'] || 'default',
      allowLocalhost: data['allow-localhost'] || 'auto',
      cidrMatchesNodes: (data['policy-cidr-match-mode'] ?? '').split(/[\s,]+/).includes('nodes'),
    };
    this.knobsCache = { source: cm, knobs };
    return knobs;
  }

  /** Addresses of the `default/kubernetes` endpoints. */
  private kubeApiServerIps(): Set<string> {
    if (this.apiServerIps) return this.apiServerIps;
    const ips = new Set<string>();
    for (const slice of this.store.list('endpointSlice')) {
      if (slice.namespace !== 'default' || slice.serviceName !== 'kubernetes') continue;
      for (const ep of slice.endpoints) for (const a of ep.addresses) ips.add(a);
    }
    this.apiServerIps = ips;
    return ips;
  }
}

interface EvalContext {
  from: End;
  to: End;
  port: number;
  protocol: L4Protocol;
  knobs: CiliumKnobs;
  notes: string[];
}

const POD_ENTITIES: ReadonlySet<string> = new Set(['cluster', 'all']);
const reserved = (...names: string[]): LabelSet => {
  const set = new LabelSet();
  for (const n of names) set.add('reserved', n, '');
  return set;
};
const UNMANAGED_VIEW: CiliumPeerView = { labels: reserved('unmanaged'), entities: new Set(['unmanaged', 'cluster', 'all']), cidrMatchable: false, world: false };
const HOST_VIEW: CiliumPeerView = { labels: reserved('host'), entities: new Set(['host', 'cluster', 'all']), cidrMatchable: false, world: false };
const HOST_APISERVER_VIEW: CiliumPeerView = { labels: reserved('host', 'kube-apiserver'), entities: new Set(['host', 'kube-apiserver', 'cluster', 'all']), cidrMatchable: false, world: false };
const REMOTE_NODE_VIEW: CiliumPeerView = { labels: reserved('remote-node'), entities: new Set(['remote-node', 'cluster', 'all']), cidrMatchable: false, world: false };
const REMOTE_NODE_APISERVER_VIEW: CiliumPeerView = {
  labels: reserved('remote-node', 'kube-apiserver'),
  entities: new Set(['remote-node', 'kube-apiserver', 'cluster', 'all']),
  cidrMatchable: false,
  world: false,
};
// an outside kube-apiserver address carries CIDR labels, hence world, and is part of `cluster`
const APISERVER_VIEW: CiliumPeerView = { labels: reserved('kube-apiserver', 'world'), entities: new Set(['kube-apiserver', 'world', 'world-ipv4', 'cluster', 'all']), cidrMatchable: true, world: true };
const WORLD_VIEW: CiliumPeerView = { labels: reserved('world'), entities: new Set(['world', 'world-ipv4', 'all']), cidrMatchable: true, world: true };

function entityMatches(entity: string, view: CiliumPeerView): boolean {
  switch (entity) {
    case 'all':
      return true;
    case 'none':
    case 'world-ipv6':
    case 'health':
    case 'init':
    case 'ingress':
      return false;
    default:
      return view.entities.has(entity);
  }
}

interface SideFacts {
  direction: Direction;
  enforced: boolean;
  selectedBy: PolicyRef[];
}

function sideVerdict(side: SideFacts, v: VerdictKind, by: RuleRef[], reason: string): DirectionVerdict {
  return { direction: side.direction, verdict: v, enforced: side.enforced, selectedBy: side.selectedBy, by: sortRefs(by), reason };
}

function notEnforced(direction: Direction, reason: string): DirectionVerdict {
  return { direction, verdict: 'allow', enforced: false, selectedBy: [], by: [], reason };
}

/** Names the invalid parts of a policy that selects this side (once per verdict), so a verdict never hides them. */
function noteProblems(ctx: EvalContext, info: { kind: string; namespace?: string; name: string }, problems: readonly string[]): void {
  if (problems.length === 0) return;
  const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
  const note = `${describePolicy(info)} has invalid parts (an invalid peer or selector matches nothing): ${shown}`;
  if (!ctx.notes.includes(note)) ctx.notes.push(note);
}

function describePolicy(info: { kind: string; namespace?: string; name: string }): string {
  return `${info.kind} ${info.namespace ? `${info.namespace}/` : ''}${info.name}`;
}

function describeRef(ref: PolicyRef): string {
  return describePolicy(ref);
}

function describeRule(ref: RuleRef): string {
  return `${describePolicy(ref)} ${ref.rule}`;
}

function describeRules(refs: RuleRef[]): string {
  return unique(sortRefs(refs).map(describeRule)).join(', ');
}

function refKey(ref: PolicyRef): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

function sortRefs(refs: RuleRef[]): RuleRef[] {
  const seen = new Set<string>();
  const out: RuleRef[] = [];
  for (const r of refs) {
    const k = `${refKey(r)}#${r.rule}#${r.effect}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out.sort((a, b) => {
    const ka = `${refKey(a)}#${a.rule}`;
    const kb = `${refKey(b)}#${b.rule}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
