/**
 * Hover on a workload's name (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob):
 * its pods now — by owner references (a Deployment through its ReplicaSets), else by its selector
 * or pod template labels within its namespace — with IP, node, ENI and subnet, Cilium identity and
 * endpoint state, and the policies that select them for ingress and egress.
 */
import { parseSelector, type Selector } from '../analysis/policy/labelSelector';
import type { PodInfo } from '../model';
import { asRecord } from '../project/jsonFields';
import { sortPods, type ClusterFacts } from './clusterFacts';
import { markdownEscape, plural } from './hoverMarkdown';
import type { HoverRequest } from './hoverRequest';
import { labelsText } from './selectorText';
import { podTable } from './podTable';
import { policiesSelecting, policyLines } from './podPolicies';

/** Workload kinds by API group. */
const WORKLOADS: Record<string, string> = {
  '|Pod': 'Pod',
  'apps|Deployment': 'Deployment',
  'apps|StatefulSet': 'StatefulSet',
  'apps|DaemonSet': 'DaemonSet',
  'apps|ReplicaSet': 'ReplicaSet',
  'batch|Job': 'Job',
  'batch|CronJob': 'CronJob',
  '|ReplicationController': 'ReplicationController',
};

export function isWorkload(group: string, kind: string): boolean {
  return WORKLOADS[`${group}|${kind}`] !== undefined;
}

export function workloadHover(req: HoverRequest): string | undefined {
  const { target } = req;
  const { object } = target;
  if (target.isKey || target.path.length !== 2 || target.path[0] !== 'metadata' || target.path[1] !== 'name') return undefined;
  if (!isWorkload(object.group, object.kind)) return undefined;
  const name = target.text;
  if (!name) return undefined;
  const found = workloadPods(req.facts, object.kind, name, object.namespace, object.json());
  const ns = found.namespace;
  const title = `**${markdownEscape(object.kind)} ${markdownEscape(ns)}/${markdownEscape(name)}**`;
  const lines: string[] = [];
  const how = found.how === 'owner' ? 'by owner references' : found.how === 'selector' ? `by selector ${found.selectorText}` : found.how === 'name' ? 'by name' : '';
  if (found.pods.length === 0) {
    lines.push(`${title}: no pod now in namespace ${markdownEscape(ns)}${found.selectorText ? ` matches ${found.selectorText}` : ''}`);
  } else {
    lines.push(`${title}: ${plural(found.pods.length, 'pod')} now${how ? ` (${how})` : ''}`);
  }
  if (found.note) lines.push('', found.note);
  if (found.pods.length === 0) lines.push(...templateLines(req.facts, object.kind, name, ns, object.json()));
  if (found.pods.length > 0) {
    lines.push('', ...podTable(req.facts, found.pods, { namespaced: true }));
    const policies = policiesSelecting(req.facts, found.pods);
    const podNetwork = found.pods.filter((p) => !p.hostNetwork).length;
    if (podNetwork > 0) lines.push('', ...policyLines(policies, podNetwork));
    else lines.push('', 'Host-network pods: pod policies do not apply to them.');
  }
  return lines.join('\n');
}

interface FoundPods {
  pods: PodInfo[];
  namespace: string;
  how: 'owner' | 'selector' | 'name' | 'none';
  selectorText?: string;
  note?: string;
}

/** The pods of a workload, in its namespace (or, when the manifest sets none, wherever its owner references point). */
function workloadPods(facts: ClusterFacts, kind: string, name: string, namespace: string | undefined, json: Record<string, unknown>): FoundPods {
  const ns = namespace ?? 'default';
  const inNs = findIn(facts, kind, name, ns, json);
  if (inNs.pods.length > 0 || namespace !== undefined) return inNs;
  // no namespace in the manifest (it may be applied with -n): look for the workload's own pods anywhere
  const owned = new Map<string, PodInfo[]>();
  for (const nsName of facts.store.podNamespaces()) {
    const pods = facts.store.podsInNamespace(nsName).filter((p) => ownedBy(p, kind, name));
    if (pods.length > 0) owned.set(nsName, pods);
  }
  if (owned.size === 0) return { ...inNs, note: 'The manifest sets no namespace: looked in default.' };
  const [firstNs, pods] = [...owned.entries()].sort((a, b) => a[0].localeCompare(b[0]))[0] as [string, PodInfo[]];
  const others = owned.size > 1 ? ` (also in ${[...owned.keys()].filter((n) => n !== firstNs).map((n) => markdownEscape(n)).join(', ')})` : '';
  return { pods: sortPods(pods), namespace: firstNs, how: 'owner', note: `The manifest sets no namespace: pods found in namespace ${markdownEscape(firstNs)}${others}.` };
}

function findIn(facts: ClusterFacts, kind: string, name: string, ns: string, json: Record<string, unknown>): FoundPods {
  if (kind === 'Pod') {
    const pod = facts.store.get('pod', `${ns}/${name}`);
    return { pods: pod ? [pod] : [], namespace: ns, how: pod ? 'name' : 'none' };
  }
  const owned = facts.store.podsInNamespace(ns).filter((p) => ownedBy(p, kind, name));
  const selector = workloadSelector(kind, json);
  const selectorText = selector ? labelsText(selector) || 'everything ({})' : undefined;
  if (owned.length > 0) {
    const out: FoundPods = { pods: sortPods(owned), namespace: ns, how: 'owner' };
    if (selector) {
      out.selectorText = selectorText as string;
      const extra = facts.podsMatching(selector, [ns], { hostNetwork: true }).filter((p) => !owned.includes(p));
      if (extra.length > 0) out.note = `${plural(extra.length, 'other pod')} of other owners also match the selector ${selectorText}.`;
    }
    return out;
  }
  if (!selector) return { pods: [], namespace: ns, how: 'none' };
  return { pods: facts.podsMatching(selector, [ns], { hostNetwork: true }), namespace: ns, how: 'selector', selectorText: selectorText as string };
}

/** The pod's controller is this workload (a Deployment through its ReplicaSet `name-<pod-template-hash>`, a CronJob through its Jobs). */
function ownedBy(pod: PodInfo, kind: string, name: string): boolean {
  const owner = pod.owner;
  if (!owner) return false;
  if (kind === 'Deployment') {
    if (owner.kind !== 'ReplicaSet' || !owner.name.startsWith(`${name}-`)) return false;
    const hash = pod.labels['pod-template-hash'];
    return hash ? owner.name === `${name}-${hash}` : !owner.name.slice(name.length + 1).includes('-');
  }
  if (kind === 'CronJob') return owner.kind === 'Job' && owner.name.startsWith(`${name}-`) && /^\d+$/.test(owner.name.slice(name.length + 1));
  return owner.kind === kind && owner.name === name;
}

/** `spec.selector` (a map for a ReplicationController), else the pod template's labels. */
function workloadSelector(kind: string, json: Record<string, unknown>): Selector | undefined {
  const spec = asRecord(json.spec);
  const podSpecHolder = kind === 'CronJob' ? asRecord(asRecord(spec?.jobTemplate)?.spec) : spec;
  const selector = podSpecHolder?.selector;
  if (kind === 'ReplicationController' && asRecord(selector)) return parseSelector({ matchLabels: selector }, { cilium: false });
  if (asRecord(selector)) {
    const parsed = parseSelector(selector, { cilium: false });
    if (!parsed.matchesNothing) return parsed;
  }
  const labels = asRecord(asRecord(asRecord(podSpecHolder?.template)?.metadata)?.labels);
  if (labels && Object.keys(labels).length > 0) return parseSelector({ matchLabels: labels }, { cilium: false });
  return undefined;
}

/**
 * For a workload with no pods (not deployed yet, or facts from manifests only): the policies that
 * will select its pods, from the pod template's labels.
 */
function templateLines(facts: ClusterFacts, kind: string, name: string, ns: string, json: Record<string, unknown>): string[] {
  if (kind === 'Pod') return [];
  const spec = asRecord(json.spec);
  const holder = kind === 'CronJob' ? asRecord(asRecord(spec?.jobTemplate)?.spec) : spec;
  const template = asRecord(holder?.template);
  const rawLabels = asRecord(asRecord(template?.metadata)?.labels);
  if (!rawLabels) return [];
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawLabels)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') labels[k] = String(v);
  if (Object.keys(labels).length === 0) return [];
  const hostNetwork = asRecord(template?.spec)?.hostNetwork === true;
  if (hostNetwork) return ['', 'Its pods use the host network: pod policies will not apply to them.'];
  const templatePod: PodInfo = { namespace: ns, name: `${name} (pod template)`, labels, ips: [], hostNetwork: false, ready: false, containerPorts: [], origin: { source: 'snapshot' } };
  const policies = policiesSelecting(facts, [templatePod], { assumeManaged: true });
  const text = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ');
  return ['', `Its pod template (labels ${markdownEscape(text)}) is selected by:`, ...policyLines(policies, 1)];
}
