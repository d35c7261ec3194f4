/**
 * Hover on `toEntities` / `fromEntities` (the key: every entity listed; a value: that entity):
 * what each Cilium entity means and what it covers in this cluster — `world` with the VPC
 * addresses outside the nodes (NLB, RDS, NAT gateways...), `host` the local node, `remote-node`
 * the other nodes, `cluster`, `kube-apiserver`, `all`.
 */
import { CILIUM_ENTITIES } from '../analysis/policy/compileCiliumPolicy';
import { awsEniOwner } from '../analysis/datapath/vpcLookup';
import { podKey, type ClusterFacts } from './clusterFacts';
import { nonNodeEniGroups } from './addressFacts';
import { firstNames, markdownEscape, plural } from './hoverMarkdown';
import { valueAt, type HoverRequest } from './hoverRequest';
import { policyKindOf } from './policyLocation';

const ENTITY_FIELDS = new Set(['toEntities', 'fromEntities']);

export function entityHover(req: HoverRequest): string | undefined {
  const { target } = req;
  const kind = policyKindOf(target.object);
  if (!kind || kind === 'NetworkPolicy') return undefined;
  const path = target.path;
  const last = path[path.length - 1];
  let entities: string[];
  let field: string;
  if (target.isKey && typeof last === 'string' && ENTITY_FIELDS.has(last)) {
    field = last;
    entities = (valueAtList(valueAt(target.object.json(), path)));
  } else if (!target.isKey && typeof last === 'number' && ENTITY_FIELDS.has(String(path[path.length - 2])) && target.text) {
    field = String(path[path.length - 2]);
    entities = [target.text];
  } else {
    return undefined;
  }
  if (entities.length === 0) return undefined;
  const direction = field === 'fromEntities' ? 'from' : 'to';
  const lines = entities.map((e) => `- ${entityText(req.facts, e, direction)}`);
  return [`**${markdownEscape(field)}** (Cilium entities, in this cluster)`, '', ...lines].join('\n');
}

function valueAtList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** One entity: its meaning and what it covers here (Markdown). */
function entityText(facts: ClusterFacts, entity: string, direction: 'from' | 'to'): string {
  const { store } = facts;
  const name = `**${markdownEscape(entity)}**`;
  const census = facts.census();
  const nodes = census.nodes.map((n) => n.name);
  const hostPods = census.hostNetworkPods;
  const managed = census.managedCount;
  const unmanaged = census.unmanagedPods;
  const podNetwork = managed + unmanaged.length;
  const apiServer = [...facts.apiServerIps].sort();
  const apiText = apiServer.length > 0 ? `${apiServer.map((ip) => `${markdownEscape(ip)}${apiServerOwner(facts, ip)}`).join(', ')}` : 'unknown (no EndpointSlice of default/kubernetes in the source)';
  const hostNetworkText = hostPods.length > 0 ? `, with ${plural(hostPods.length, 'host-network pod')} (${firstNames(ownerNames(hostPods), 4)})` : '';
  switch (entity) {
    case 'world':
    case 'world-ipv4': {
      const groups = nonNodeEniGroups([...store.list('eni')]).map((g) => `${markdownEscape(g.label)} (${firstNames(g.ips, 3)})`);
      const here = groups.length > 0 ? ` In this VPC: ${groups.join('; ')}.` : ' No VPC addresses outside the nodes are known in this source.';
      const nlb = direction === 'from' ? ' Internet clients behind an NLB with IP targets arrive from the NLB\'s private IPs: world.' : '';
      const ipv4 = entity === 'world-ipv4' ? ' (IPv4 only)' : '';
      return `${name}: everything outside the cluster${ipv4} — the internet and every address that is not a pod or a node, the kube-apiserver too when it is outside the nodes (EKS).${here}${nlb}`;
    }
    case 'world-ipv6':
      return `${name}: IPv6 addresses outside the cluster; this IPv4 cluster has none.`;
    case 'host':
      return `${name}: the node the selected endpoint runs on — its addresses and its host-network pods (one of ${plural(nodes.length, 'node')}${hostNetworkText}). Cilium always allows the local node into a pod (allow-localhost).`;
    case 'remote-node':
      return `${name}: every other node of the cluster — from any one pod, the other ${plural(Math.max(nodes.length - 1, 0), 'node')} of ${nodes.length}, and their host-network pods.`;
    case 'cluster':
      return `${name}: every endpoint inside the cluster: ${plural(managed, 'managed pod')}, ${plural(unmanaged.length, 'unmanaged pod')}, ${plural(nodes.length, 'node')} (host and remote-node)${hostNetworkText}, and the kube-apiserver (${apiText}).`;
    case 'kube-apiserver':
      return `${name}: the Kubernetes API server, the endpoints of default/kubernetes: ${apiText}.`;
    case 'all':
      return `${name}: every peer — cluster (${plural(podNetwork, 'pod')}, ${plural(nodes.length, 'node')}) and world.`;
    case 'unmanaged':
      return `${name}: pods Cilium does not manage (no CiliumEndpoint): ${unmanaged.length === 0 ? 'none' : `${plural(unmanaged.length, 'pod')} (${firstNames(unmanaged.map(podKey))})`}.`;
    case 'health':
      return `${name}: the cilium-health endpoints of the nodes (not modelled here).`;
    case 'init':
      return `${name}: endpoints whose identity is not resolved yet.`;
    case 'ingress':
      return `${name}: Cilium's ingress (Envoy) endpoint.`;
    case 'none':
      return `${name}: nothing.`;
    default:
      return CILIUM_ENTITIES.has(entity) ? `${name}: a Cilium entity.` : `${name}: not a Cilium entity — Cilium rejects the policy.`;
  }
}

function apiServerOwner(facts: ClusterFacts, ip: string): string {
  for (const owner of facts.store.ownersOfIp(ip)) {
    if (owner.kind === 'node') return ' (a node)';
    if (owner.kind === 'eni') {
      const eni = facts.store.get('eni', owner.key);
      if (eni && !eni.nodeName) return ` (${markdownEscape(awsEniOwner(eni).label)})`;
    }
  }
  return '';
}

/** Distinct owner names of pods (`aws-node`, `kube-proxy`), else pod names. */
function ownerNames(pods: readonly { name: string; owner?: { name: string } }[]): string[] {
  return [...new Set(pods.map((p) => p.owner?.name ?? p.name))].sort();
}
