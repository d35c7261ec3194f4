/**
 * One policy rule in one sentence, with the pods it concerns now: "allows TCP 8080 into app=web in
 * namespace shop from pods labelled app=frontend in namespace shop: 6 pods → 3 pods". The rule is
 * the policy engine's compiled rule; pods are matched with the engine's selectors and Cilium's
 * rules for aws-cni chaining (label selectors match only managed pods, CIDR rules never match pods).
 */
import { SELECT_ALL, hasSource, describeSelector } from '../analysis/policy/labelSelector';
import type { CiliumPeer, CiliumRuleEntry, CompiledCiliumPolicy, CompiledCiliumRule, CompiledNetworkPolicy, NpPeer, NpRule, CidrBlock } from '../analysis/policy/compiledPolicy';
import type { L4Protocol, PodInfo } from '../model';
import { blockKey, DistinctEntries, forEachAddressInBlock } from './addressFacts';
import { podKey, type ClusterFacts } from './clusterFacts';
import { resolveNamedPort } from './containerPorts';
import { firstNames, markdownEscape, plural } from './hoverMarkdown';
import { ciliumPodsPhrase, labelsText, namespacesPhrase, podsPhrase, splitNamespace } from './selectorText';

export interface RuleDescription {
  /** The sentence, Markdown. */
  sentence: string;
  /** Caveats (unmanaged pods, CIDR rules over pods, L7), Markdown. */
  notes: string[];
}

interface Side {
  text: string;
  count: string;
  pods: PodInfo[];
}

// ------------------------------------------------------------------ Kubernetes NetworkPolicy

/** The subject pods of a NetworkPolicy: its podSelector in its namespace; under Cilium only managed pods are enforced. */
export function npSubject(facts: ClusterFacts, np: CompiledNetworkPolicy): { phrase: string; selected: PodInfo[]; notEnforced: PodInfo[] } {
  const labels = labelsText(np.podSelector);
  const where = `in namespace ${markdownEscape(np.namespace)}`;
  const phrase = labels === '' ? `every pod ${where}` : `${labels} ${where}`;
  const pods = facts.podsMatching(np.podSelector, [np.namespace], { hostNetwork: false });
  if (facts.engine !== 'cilium') return { phrase, selected: pods, notEnforced: [] };
  return { phrase, selected: pods.filter((p) => facts.managed(p)), notEnforced: pods.filter((p) => !facts.managed(p)) };
}

export function describeNpRule(facts: ClusterFacts, np: CompiledNetworkPolicy, direction: 'ingress' | 'egress', rule: NpRule): RuleDescription {
  const notes: string[] = [];
  if (!(direction === 'ingress' ? np.ingressIsolation : np.egressIsolation)) {
    notes.push(`policyTypes does not include ${direction === 'ingress' ? 'Ingress' : 'Egress'}: this rule has no effect`);
  }
  const subject = npSubject(facts, np);
  if (subject.notEnforced.length > 0) notes.push(notEnforcedNote(subject.notEnforced));
  const peers = npPeers(facts, np, rule.peers, direction, notes);
  const dest = direction === 'ingress' ? subject.selected : peers.pods;
  const ports = rule.ports ? rule.ports.map((p) => portWords(facts, p.protocol, p.port, p.endPort, dest)).join(', ') : 'everything';
  const subjectSide: Side = { text: subject.phrase, count: plural(subject.selected.length, 'pod'), pods: subject.selected };
  return { sentence: sentence('allows', ports, direction, subjectSide, peers), notes };
}

function npPeers(facts: ClusterFacts, np: CompiledNetworkPolicy, peers: NpPeer[] | undefined, direction: 'ingress' | 'egress', notes: string[]): Side {
  if (!peers) return { text: 'anywhere', count: direction === 'ingress' ? 'any source' : 'any destination', pods: [] };
  const texts: string[] = [];
  const others: string[] = [];
  const pods = new Map<string, PodInfo>();
  const unmanaged = new Map<string, PodInfo>();
  let podPeers = false;
  for (const p of peers) {
    if (p.invalid) {
      texts.push(`an invalid peer (${markdownEscape(p.invalid)})`);
      continue;
    }
    if (p.ipBlock) {
      texts.push(`CIDR ${markdownEscape(p.ipBlock.text)}`);
      others.push(markdownEscape(p.ipBlock.text));
      cidrOverPodsNote(facts, p.ipBlock, 'ipBlock', notes);
      continue;
    }
    podPeers = true;
    const podSelector = p.podSelector ?? SELECT_ALL;
    let namespaces: string[];
    if (p.namespaceSelector) {
      namespaces = facts.namespacesMatching(p.namespaceSelector);
      texts.push(podsPhrase(podSelector, `in ${namespacesPhrase(p.namespaceSelector)}`));
    } else {
      namespaces = [np.namespace];
      texts.push(podsPhrase(podSelector, `in namespace ${markdownEscape(np.namespace)}`));
    }
    for (const pod of facts.podsMatching(podSelector, namespaces, { hostNetwork: false })) {
      if (facts.engine === 'cilium' && !facts.managed(pod)) unmanaged.set(podKey(pod), pod);
      else pods.set(podKey(pod), pod);
    }
  }
  if (unmanaged.size > 0) notes.push(unmanagedPeerNote([...unmanaged.values()]));
  return { text: texts.join(' or '), count: countWords(podPeers ? pods.size : undefined, others), pods: [...pods.values()] };
}

// ------------------------------------------------------------------ Cilium

/** The subject of one rule of a Cilium policy: the endpoints its endpointSelector selects (or the nodes of a host policy). */
export function ciliumSubject(facts: ClusterFacts, rule: CompiledCiliumRule): { phrase: string; count: string; selected: PodInfo[]; notEnforced: PodInfo[] } {
  if (rule.endpointSelector) {
    const { labels, where } = splitNamespace(rule.endpointSelector);
    const text = labelsText(labels);
    const phrase = text === '' ? `every pod ${where}` : `${text} ${where}`;
    const { managed, unmanaged } = facts.ciliumPodsMatching(rule.endpointSelector);
    return { phrase, count: plural(managed.length, 'pod'), selected: managed, notEnforced: unmanaged };
  }
  const selector = rule.nodeSelector ?? SELECT_ALL;
  const nodes = facts.nodesMatching(selector);
  const text = labelsText(selector);
  return { phrase: text === '' ? 'every node' : `nodes labelled ${text}`, count: plural(nodes.length, 'node'), selected: [], notEnforced: [] };
}

export function describeCiliumEntry(facts: ClusterFacts, _policy: CompiledCiliumPolicy, rule: CompiledCiliumRule, entry: CiliumRuleEntry): RuleDescription {
  const notes: string[] = [];
  const direction = entry.section.startsWith('ingress') ? 'ingress' : 'egress';
  const verb = entry.section.endsWith('Deny') ? 'denies' : 'allows';
  const subject = ciliumSubject(facts, rule);
  if (subject.notEnforced.length > 0) notes.push(notEnforcedNote(subject.notEnforced));
  if (!rule.endpointSelector) notes.push('a host policy (nodeSelector): it acts on the nodes\' own traffic; CNI Lens does not evaluate it for pod traffic');
  const subjectSide: Side = { text: subject.phrase, count: subject.count, pods: subject.selected };
  if (!entry.l3Wildcard && entry.peers.length === 0) {
    const what = direction === 'ingress' ? 'into' : 'from';
    return { sentence: `${verb} nothing ${what} ${subject.phrase}: a rule without peers or ports matches no traffic (Cilium)`, notes };
  }
  const peers = ciliumPeers(facts, entry, direction, notes);
  const dest = direction === 'ingress' ? subject.selected : peers.pods;
  let ports = 'everything';
  if (entry.icmpOnly) ports = 'ICMP only';
  else if (entry.portRules) {
    const words = entry.portRules.flatMap((pr) => pr.ports.map((p) => portWords(facts, p.protocol, p.port, p.endPort, dest)));
    ports = [...new Set(words)].join(', ');
    const l7 = [...new Set(entry.portRules.flatMap((pr) => pr.l7))];
    if (l7.length > 0) notes.push(`L7 rules (${markdownEscape(l7.join(', '))}) filter requests through the proxy on these ports; L7 policy may be limited in aws-cni chaining`);
  }
  if (entry.requires) notes.push('fromRequires/toRequires narrow every allowed peer (not evaluated)');
  return { sentence: sentence(verb, ports, direction, subjectSide, peers), notes };
}

function ciliumPeers(facts: ClusterFacts, entry: CiliumRuleEntry, direction: 'ingress' | 'egress', notes: string[]): Side {
  if (entry.l3Wildcard) return { text: direction === 'ingress' ? 'every source' : 'every destination', count: direction === 'ingress' ? 'any source' : 'any destination', pods: [] };
  const texts: string[] = [];
  const others: string[] = [];
  const entities: string[] = [];
  const pods = new Map<string, PodInfo>();
  const unmanaged = new Map<string, PodInfo>();
  let podPeers = false;
  for (const p of entry.peers) {
    switch (p.type) {
      case 'endpoints': {
        if (hasSource(p.selector, 'reserved')) {
          const text = markdownEscape(describeSelector(p.selector));
          texts.push(`the reserved identity ${text}`);
          others.push(text);
          break;
        }
        podPeers = true;
        texts.push(ciliumPodsPhrase(p.selector));
        const m = facts.ciliumPodsMatching(p.selector);
        for (const pod of m.managed) pods.set(podKey(pod), pod);
        for (const pod of m.unmanaged) unmanaged.set(podKey(pod), pod);
        break;
      }
      case 'entity':
        entities.push(p.entity);
        break;
      case 'cidr':
        texts.push(`CIDR ${markdownEscape(p.block.text)}`);
        others.push(markdownEscape(p.block.text));
        cidrOverPodsNote(facts, p.block, 'CIDR rule', notes);
        break;
      default:
        texts.push(otherPeerWords(facts, p, others));
    }
  }
  if (entities.length > 0) {
    const list = [...new Set(entities)].map((e) => markdownEscape(e));
    texts.push(`${list.length === 1 ? 'entity' : 'entities'} ${list.join(', ')}`);
    others.push(...list);
  }
  if (unmanaged.size > 0) notes.push(unmanagedPeerNote([...unmanaged.values()]));
  return { text: texts.join(' or '), count: countWords(podPeers ? pods.size : undefined, others), pods: [...pods.values()] };
}

function otherPeerWords(facts: ClusterFacts, p: Exclude<CiliumPeer, { type: 'endpoints' | 'entity' | 'cidr' }>, others: string[]): string {
  switch (p.type) {
    case 'cidrGroup':
      others.push(`CIDR group ${markdownEscape(p.name)}`);
      return `CIDR group ${markdownEscape(p.name)} (not read)`;
    case 'nodes': {
      const nodes = facts.nodesMatching(p.selector);
      others.push(plural(nodes.length, 'node'));
      const labels = labelsText(p.selector);
      return labels === '' ? 'every node' : `nodes labelled ${labels}`;
    }
    case 'fqdn':
      others.push(`FQDN ${markdownEscape(p.text)}`);
      return `FQDN ${markdownEscape(p.text)} (addresses learned from DNS at run time)`;
    case 'service': {
      const name = p.name ? `${p.namespace ? `${p.namespace}/` : ''}${p.name}` : 'selected by labels';
      others.push(`Service ${markdownEscape(name)}`);
      return `Service ${markdownEscape(name)}`;
    }
    case 'groups':
      others.push('cloud security groups');
      return 'cloud security groups (resolved at run time)';
  }
}

/** The pods that receive the traffic of a NetworkPolicy rule: the selected pods (ingress) or the rule's peers (egress). */
export function npDestinationPods(facts: ClusterFacts, np: CompiledNetworkPolicy, direction: 'ingress' | 'egress', rule: NpRule): PodInfo[] {
  return direction === 'ingress' ? npSubject(facts, np).selected : npPeers(facts, np, rule.peers, direction, []).pods;
}

/** The pods that receive the traffic of a Cilium rule entry: the selected endpoints (ingress) or the entry's peer pods (egress). */
export function ciliumDestinationPods(facts: ClusterFacts, rule: CompiledCiliumRule, entry: CiliumRuleEntry): PodInfo[] {
  return entry.section.startsWith('ingress') ? ciliumSubject(facts, rule).selected : ciliumPeers(facts, entry, 'egress', []).pods;
}

// ------------------------------------------------------------------ words

function sentence(verb: string, ports: string, direction: 'ingress' | 'egress', subject: Side, peers: Side): string {
  return direction === 'ingress'
    ? `${verb} ${ports} into ${subject.text} from ${peers.text}: ${peers.count} → ${subject.count}`
    : `${verb} ${ports} from ${subject.text} to ${peers.text}: ${subject.count} → ${peers.count}`;
}

function countWords(pods: number | undefined, others: string[]): string {
  const parts = [...(pods !== undefined ? [plural(pods, 'pod')] : []), ...others];
  return parts.length > 0 ? parts.join(' + ') : 'nothing';
}

/** `TCP 8080`, `TCP 9000-9100`, `UDP 53`, `port 53 (any protocol)`, `TCP http (8080)`. */
function portWords(facts: ClusterFacts, protocol: L4Protocol | 'ANY', port: number | string | undefined, endPort: number | undefined, dest: PodInfo[]): string {
  const proto = protocol === 'ANY' ? undefined : protocol;
  if (port === undefined) return proto ? `all ${proto} ports` : 'all ports';
  const number = typeof port === 'number' ? `${port}${endPort !== undefined ? `-${endPort}` : ''}` : markdownEscape(port);
  let resolved = '';
  if (typeof port === 'string' && dest.length > 0) {
    const uses = resolveNamedPort(facts.store, dest, port, protocol);
    resolved = uses.length > 0 ? ` (${uses.map((u) => u.port).join(' or ')})` : ' (no destination pod has this named port)';
  }
  return proto ? `${proto} ${number}${resolved}` : `port ${number}${resolved} (any protocol)`;
}

function notEnforcedNote(pods: PodInfo[]): string {
  const one = pods.length === 1;
  return `${plural(pods.length, 'pod')} ${one ? 'carries' : 'carry'} the labels but ${one ? 'has' : 'have'} no CiliumEndpoint (unmanaged): the rule is not enforced on ${one ? 'it' : 'them'}: ${firstNames(pods.map(podKey))}`;
}

function unmanagedPeerNote(pods: PodInfo[]): string {
  const one = pods.length === 1;
  return `${plural(pods.length, 'pod')} ${one ? 'carries' : 'carry'} the peer labels but ${one ? 'has' : 'have'} no CiliumEndpoint: Cilium sees ${one ? 'it' : 'them'} as the identity unmanaged, which this rule does not match: ${firstNames(pods.map(podKey))}`;
}

/** Cilium never matches CIDR rules (and ipBlock) against pods it manages: say so when the block covers pod IPs. */
function cidrOverPodsNote(facts: ClusterFacts, block: CidrBlock, what: string, notes: string[]): void {
  if (facts.engine !== 'cilium' || !block.cidr) return;
  const covered = facts.memo(`pods-in ${blockKey(block)}`, () => {
    const pods = new DistinctEntries(false);
    forEachAddressInBlock(facts, block, (a) => {
      if (a.kind === 'pod') pods.add(a);
    });
    return pods.count;
  });
  if (covered > 0) {
    notes.push(`${what} ${markdownEscape(block.text)} covers ${plural(covered, 'pod IP')}, but Cilium matches CIDR rules only against addresses outside the cluster: it selects no pod (use an endpoint selector)`);
  }
}
