/**
 * Hover anywhere in a selector (`podSelector`, `namespaceSelector`, `endpointSelector`,
 * `fromEndpoints`/`toEndpoints`, `nodeSelector`, `matchLabels`, `matchExpressions`, a Service's or
 * a workload's `selector`): what it selects now, with the namespace rules of its kind —
 * NetworkPolicy podSelector in the policy's namespace (or the peer's namespaceSelector), a
 * namespaceSelector over namespace labels, a CNP's endpoint selectors in its namespace unless they
 * name `k8s:io.kubernetes.pod.namespace`, a CCNP's across namespaces.
 */
import { SELECT_ALL, describeSelector, hasKey, hasSource, NAMESPACE_LABEL, parseSelector, type Selector } from '../analysis/policy/labelSelector';
import type { PodInfo } from '../model';
import { asRecord } from '../project/jsonFields';
import { podKey } from './clusterFacts';
import { firstNames, markdownEscape, plural } from './hoverMarkdown';
import { valueAt, type HoverRequest } from './hoverRequest';
import { locateInPolicy, policyKindOf } from './policyLocation';
import { ciliumSubject, npSubject } from './ruleSentence';
import { ciliumPodsPhrase, labelsText, namespacesPhrase, podsPhrase } from './selectorText';
import { isWorkload } from './workloadHover';

const ENDPOINT_FIELDS = new Set(['fromEndpoints', 'toEndpoints']);
const NODE_FIELDS = new Set(['fromNodes', 'toNodes']);

export function selectorHover(req: HoverRequest): string | undefined {
  const { object, path } = req.target;
  const policyKind = policyKindOf(object);
  if (policyKind === 'NetworkPolicy') return networkPolicySelector(req);
  if (policyKind) return ciliumSelector(req);
  if (path[0] !== 'spec' || path[1] !== 'selector') return undefined;
  const ns = object.namespace ?? 'default';
  const raw = valueAt(object.json(), ['spec', 'selector']);
  if (object.kind === 'Service' && object.group === '') {
    const map = asRecord(raw);
    if (!map) return undefined;
    const selector = parseSelector({ matchLabels: map }, { cilium: false });
    const pods = req.facts.podsMatching(selector, [ns], { hostNetwork: true });
    return [title('selector', req), '', `${podsPhrase(selector, `in namespace ${markdownEscape(ns)}`)}: ${podList(pods, true)}`].join('\n');
  }
  if (isWorkload(object.group, object.kind) && asRecord(raw)) {
    const selector = parseSelector(object.kind === 'ReplicationController' ? { matchLabels: raw } : raw, { cilium: false });
    const pods = req.facts.podsMatching(selector, [ns], { hostNetwork: true });
    return [title('selector', req), '', `${podsPhrase(selector, `in namespace ${markdownEscape(ns)}`)}: ${podList(pods, true)}`].join('\n');
  }
  return undefined;
}

function networkPolicySelector(req: HoverRequest): string | undefined {
  const { facts } = req;
  const { object, path } = req.target;
  if (path[0] === 'spec' && path[1] === 'podSelector') {
    const loc = locateInPolicy(object, path);
    if (loc?.kind !== 'NetworkPolicy') return undefined;
    const subject = npSubject(facts, loc.policy);
    const lines = [title('podSelector', req), '', `${subject.phrase}: ${podList(subject.selected, true)}`];
    if (subject.notEnforced.length > 0) lines.push('', notEnforced(subject.notEnforced));
    return lines.join('\n');
  }
  const field = path[5];
  if (path[0] !== 'spec' || (path[1] !== 'ingress' && path[1] !== 'egress') || typeof path[2] !== 'number' || typeof path[4] !== 'number') return undefined;
  if (path[3] !== (path[1] === 'ingress' ? 'from' : 'to') || (field !== 'podSelector' && field !== 'namespaceSelector')) return undefined;
  const loc = locateInPolicy(object, path);
  if (loc?.kind !== 'NetworkPolicy' || !loc.rule?.peers) return undefined;
  const peer = loc.rule.peers[path[4]];
  if (!peer || peer.invalid) return undefined;
  const podSelector = peer.podSelector ?? SELECT_ALL;
  const namespaces = peer.namespaceSelector ? facts.namespacesMatching(peer.namespaceSelector) : [loc.policy.namespace];
  const where = peer.namespaceSelector ? `in ${namespacesPhrase(peer.namespaceSelector)}` : `in namespace ${markdownEscape(loc.policy.namespace)}`;
  const all = facts.podsMatching(podSelector, namespaces, { hostNetwork: false });
  const cilium = facts.engine === 'cilium';
  const matched = cilium ? all.filter((p) => facts.managed(p)) : all;
  const unmanaged = cilium ? all.filter((p) => !facts.managed(p)) : [];
  const lines = [title(String(field), req), ''];
  if (field === 'namespaceSelector' && peer.namespaceSelector) {
    lines.push(`${namespacesPhrase(peer.namespaceSelector)}: ${plural(namespaces.length, 'namespace')}${namespaces.length > 0 ? ` (${firstNames(namespaces)})` : ''}`, '');
    lines.push(`${peer.podSelector ? 'With the podSelector: ' : 'Every pod in them: '}${podsPhrase(podSelector, where)}: ${podList(matched, false)}`);
  } else {
    lines.push(`${podsPhrase(podSelector, where)}: ${podList(matched, false)}`);
  }
  if (unmanaged.length > 0) lines.push('', unmanagedPeers(unmanaged));
  return lines.join('\n');
}

function ciliumSelector(req: HoverRequest): string | undefined {
  const { facts } = req;
  const { object, path } = req.target;
  const loc = locateInPolicy(object, path);
  if (loc?.kind !== 'Cilium' || !loc.rule) return undefined;
  const base = loc.rule.path.length;
  const field = path[base];
  if (field === 'endpointSelector') {
    const subject = ciliumSubject(facts, loc.rule);
    const lines = [title('endpointSelector', req), '', `${subject.phrase}: ${podList(subject.selected, false)}`];
    if (object.kind === 'CiliumNetworkPolicy') lines.push('', `A CiliumNetworkPolicy selects endpoints of its own namespace only.`);
    if (subject.notEnforced.length > 0) lines.push('', notEnforced(subject.notEnforced));
    return lines.join('\n');
  }
  if (field === 'nodeSelector' && loc.rule.nodeSelector) {
    const nodes = facts.nodesMatching(loc.rule.nodeSelector);
    return [title('nodeSelector', req), '', `nodes labelled ${labelsText(loc.rule.nodeSelector) || 'anything'}: ${plural(nodes.length, 'node')}${nodes.length > 0 ? ` (${firstNames(nodes.map((n) => n.name))})` : ''}`, '', 'A host policy: it acts on the nodes\' own traffic.'].join('\n');
  }
  const peerField = path[base + 2];
  if (!loc.entry || typeof peerField !== 'string') return undefined;
  const index = path[base + 3];
  if (NODE_FIELDS.has(peerField) && typeof index === 'number') {
    const raw = valueAt(object.json(), path.slice(0, base + 4));
    const selector = parseSelector(raw, { cilium: true });
    const nodes = facts.nodesMatching(selector);
    return [title(peerField, req), '', `nodes labelled ${labelsText(selector) || 'anything'}: ${plural(nodes.length, 'node')}${nodes.length > 0 ? ` (${firstNames(nodes.map((n) => n.name))})` : ''}`].join('\n');
  }
  if (!ENDPOINT_FIELDS.has(peerField)) return undefined;
  const prefix = [...path.slice(0, base + 3)];
  const peers = loc.entry.peers.filter(
    (p): p is Extract<typeof p, { type: 'endpoints' }> =>
      p.type === 'endpoints' && p.path.length === prefix.length + 1 && prefix.every((k, i) => p.path[i] === k) && (typeof index !== 'number' || p.path[prefix.length] === index),
  );
  if (peers.length === 0) return undefined;
  const lines = [title(peerField, req), ''];
  const unmanaged = new Map<string, PodInfo>();
  for (const p of peers) {
    if (hasSource(p.selector, 'reserved')) {
      lines.push(`- the reserved identity ${markdownEscape(describeSelector(p.selector))} (an entity, not pods)`);
      continue;
    }
    const m = facts.ciliumPodsMatching(p.selector);
    lines.push(`- ${ciliumPodsPhrase(p.selector)}: ${podList(m.managed, false)}`);
    for (const pod of m.unmanaged) unmanaged.set(podKey(pod), pod);
  }
  const written = peers.map((p) => parseSelector(valueAt(object.json(), p.path), { cilium: true }));
  lines.push('', scopeNote(object.kind, written));
  if (unmanaged.size > 0) lines.push('', unmanagedPeers([...unmanaged.values()]));
  return lines.join('\n');
}

/** How Cilium scopes the selectors as written (before it adds the namespace). */
function scopeNote(kind: string, written: Selector[]): string {
  const named = written.some((s) => hasKey(s, NAMESPACE_LABEL));
  if (kind === 'CiliumClusterwideNetworkPolicy') return 'A CiliumClusterwideNetworkPolicy matches endpoints of every namespace.';
  return named
    ? 'The selector names k8s:io.kubernetes.pod.namespace, so it is not limited to the policy\'s namespace.'
    : 'Without k8s:io.kubernetes.pod.namespace, Cilium limits the selector to the policy\'s namespace.';
}

function title(what: string, req: HoverRequest): string {
  const { object } = req.target;
  const ns = object.kind === 'CiliumClusterwideNetworkPolicy' ? '' : `${object.namespace ?? 'default'}/`;
  return `**${markdownEscape(what)}** of ${markdownEscape(object.kind)} ${markdownEscape(ns)}${markdownEscape(object.name ?? '(unnamed)')}`;
}

function podList(pods: readonly PodInfo[], namespaced: boolean): string {
  if (pods.length === 0) return 'no pod now';
  return `${plural(pods.length, 'pod')} now (${firstNames(pods.map((p) => (namespaced ? p.name : podKey(p))))})`;
}

function notEnforced(pods: PodInfo[]): string {
  const one = pods.length === 1;
  return `${plural(pods.length, 'more pod')} ${one ? 'carries' : 'carry'} the labels but ${one ? 'has' : 'have'} no CiliumEndpoint (unmanaged): the policy is not enforced on ${one ? 'it' : 'them'}: ${firstNames(pods.map(podKey))}`;
}

function unmanagedPeers(pods: PodInfo[]): string {
  const one = pods.length === 1;
  return `${plural(pods.length, 'more pod')} ${one ? 'carries' : 'carry'} the labels but ${one ? 'has' : 'have'} no CiliumEndpoint: Cilium sees ${one ? 'it' : 'them'} as the identity unmanaged, which label selectors do not match: ${firstNames(pods.map(podKey))}`;
}
