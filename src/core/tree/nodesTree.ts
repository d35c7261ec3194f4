/**
 * The Nodes tree: node → ENIs → IPs and /28 prefixes (each IP → its pod, "node primary", "warm" or
 * "cooling"). ENIs come from EC2, then ipamd, then inference from pod IPs (each ENI says which).
 */
import type { EniInfo, EniIp, NodeInfo, PodInfo } from '../model';
import { nodeCapacityCacheFor, type NodeCapacityEntry } from '../capacity/nodeCapacityCache';
import { enisOfNode } from '../sources/inferEnis';
import type { ClusterStore } from '../store/clusterStore';
import { awsEniOwner } from '../analysis/datapath/vpcLookup';
import { pageHolding, pagedRowsOf, PAGE_SIZE } from './paging';
import { compareNames, esc, icon, messageRow, sortByName, type TreeRow, WARNING_COLOR } from './treeRow';
import type { IpamdReader } from '../sources/ipamdOnDemand';

/** What the rows of a live session use to read ipamd of a node when it is looked at (a large cluster). */
export interface IpamdRowContext {
  ipamd?: IpamdReader;
  refreshRow?: (id: string) => void;
}

/** A node whose ipamd read failed is read again when its rows are built this long after (not at every refresh). */
const IPAMD_RETRY_AFTER_MS = 30_000;

/**
 * For ipamd read on demand: starts reading the node's ipamd when it was not read (its rows are
 * being looked at), and refreshes row `rowId` when the read ends. The row that says it is being
 * read, or why it could not be; undefined when there is nothing to say.
 */
export function ipamdStateRow(ctx: IpamdRowContext | undefined, nodeName: string, rowId: string): TreeRow | undefined {
  const ipamd = ctx?.ipamd;
  if (!ipamd || ipamd.mode !== 'on-demand') return undefined;
  const before = ipamd.stateOf(nodeName);
  const stale = before?.state === 'failed' && before.retryable && Date.now() - before.at >= IPAMD_RETRY_AFTER_MS;
  // not read yet, failed a while ago, or being read (for someone else): refresh the row when it ends
  if (!before || stale || before.state === 'reading') void ipamd.read([nodeName]).then(() => ctx.refreshRow?.(rowId));
  const state = ipamd.stateOf(nodeName);
  const id = `${rowId}/ipamd`;
  if (state?.state === 'reading') {
    return { ...messageRow(id, 'Reading ipamd of this node…', 'loading~spin', `Reading ipamd /v1/enis of ${nodeName} through port-forward to its aws-node pod: which pod holds each IP, and cooling IPs.`), description: 'pod assignments follow' };
  }
  if (state?.state === 'failed') {
    return { ...messageRow(id, 'ipamd could not be read', 'warning', state.error.message), description: state.error.message };
  }
  return undefined;
}

/** `ip-10-0-17-42.us-west-2.compute.internal` → `ip-10-0-17-42`: the rest is the same on every node (full name in the tooltip). */
export function shortNodeName(name: string): string {
  return name.replace(/\.(?:[a-z0-9-]+\.compute|ec2)\.internal$/, '');
}

export function nodeRowId(nodeName: string): string {
  return `node/${nodeName}`;
}

/** The parent id of the Nodes view's pages (a cluster of more than 1,000 nodes). */
export const NODE_PAGES = 'nodes';

/** Clusters with at most this many nodes have their rows' capacities computed at once (a few ms). */
export const NODE_CAPACITY_AT_ONCE = 500;

/**
 * The node rows. A large cluster's capacities (the pods n/m and IPs n/m columns) come from a cache
 * filled in steps: until a node's is known its row says "counting…", and `refreshRow` is called for
 * it when it is. Nodes a change touched are computed again as their rows are built.
 */
export function nodeRows(store: ClusterStore, refreshRow?: (id: string) => void, ipamd?: IpamdReader): TreeRow[] {
  const ctx: IpamdRowContext = { ...(ipamd ? { ipamd } : {}), ...(refreshRow ? { refreshRow } : {}) };
  const cache = nodeCapacityCacheFor(store);
  const rowsOf = (nodes: readonly NodeInfo[]): TreeRow[] => {
    const missing = nodes.filter((n) => !cache.get(n.name));
    const atOnce = nodes.length <= NODE_CAPACITY_AT_ONCE || missing.length <= NODE_CAPACITY_AT_ONCE / 5;
    if (!atOnce) cache.fill(refreshRow && (() => missing.forEach((n) => refreshRow(nodeRowId(n.name)))));
    return nodes.map((node) => nodeRow(store, node, atOnce ? cache.compute(node) : cache.get(node.name), ctx));
  };
  // more than 1,000 nodes: in pages, whose rows are built when a page is expanded
  return pagedRowsOf(NODE_PAGES, () => sortByName([...store.list('node')], (n) => n.name), (n) => shortNodeName(n.name), rowsOf, 'nodes', () => store.version);
}

/** The rows above a node's row (`node/name`): its page when the nodes are paged. */
export function nodePath(store: ClusterStore, id: string): string[] | undefined {
  if (!id.startsWith('node/') || id.indexOf('/eni/') >= 0) return undefined;
  const name = id.slice('node/'.length);
  if (store.count('node') <= PAGE_SIZE) return [];
  const page = pageHolding(NODE_PAGES, sortByName([...store.keys('node')], (n) => n), name);
  return page ? [page] : undefined;
}

function nodeRow(store: ClusterStore, node: NodeInfo, known: NodeCapacityEntry | undefined, ctx: IpamdRowContext): TreeRow {
  const cache = nodeCapacityCacheFor(store);
  const cap = known?.capacity;
  const of = (n: number, max: number | undefined) => (max === undefined ? String(n) : `${n}/${max}`);
  const id = nodeRowId(node.name);
  const enis = (): { enis: EniInfo[]; inferred: boolean } => known ?? enisOfNode(store, node.name);
  return {
    id,
    rebuild: () => {
      const now = store.get('node', node.name);
      return now ? nodeRow(store, now, cache.compute(now), ctx) : undefined;
    },
    label: shortNodeName(node.name),
    description: [node.instanceType, node.zone, node.internalIp, ...(cap ? [`pods ${of(cap.pods.total, cap.pods.max)}`, `IPs ${of(cap.ips.assigned, cap.ips.maxPossible)}`, cap.flags.includes('ip-exhausted') ? 'IPs exhausted' : undefined] : ['counting…'])].filter(Boolean).join(' · '),
    icon: node.ready ? icon('server') : icon('warning', WARNING_COLOR),
    contextValue: 'cniLens.node',
    ref: { kind: 'node', key: node.name },
    ...(node.internalIp ? { ip: node.internalIp } : {}),
    // its ENIs, IPs and pods are rows of their own: the filter finds them there
    searchText: `${node.name} ${node.instanceId ?? ''}`,
    tooltip: () => {
      const c = cache.compute(node).capacity;
      return `**${esc(node.name)}**\n\n${[
        node.instanceId && `Instance: ${esc(node.instanceId)}`,
        node.instanceType && `Type: ${esc(node.instanceType)}`,
        node.zone && `Zone: ${esc(node.zone)}`,
        node.internalIp && `InternalIP: ${esc(node.internalIp)}`,
        `Ready: ${node.ready ? 'yes' : 'no'}`,
        `Pods: ${c.pods.total} of max ${c.pods.max ?? '?'} (${esc(c.pods.maxPods.formula)})`,
        `ENIs: ${c.enis.used} of ${c.enis.max ?? '?'}; pod IPs ${c.ips.assigned} assigned, ${c.ips.free} warm, ${c.ips.allocated} allocated, ${c.ips.maxPossible ?? '?'} possible`,
        enis().inferred ? 'No ENI data from EC2 or ipamd for this node: its ENIs below are inferred from pod IPs and the node address.' : undefined,
        ...c.notes.map((n) => esc(n)),
      ].filter(Boolean).join('\n\n')}`;
    },
    children: () => {
      // ipamd read per node: expanding the node reads it
      const reading = ipamdStateRow(ctx, node.name, id);
      const rows = eniRows(store, enis().enis, id, ctx);
      return reading ? [reading, ...rows] : rows;
    },
  };
}

/** Primary / secondary / trunk / branch / efa for a node's ENI; who owns it (NLB, NAT gateway, RDS…) otherwise. */
export function eniRole(eni: EniInfo): string | undefined {
  if (eni.kind !== 'interface') return eni.kind;
  if (!eni.nodeName && !eni.instanceId) {
    const owner = awsEniOwner(eni);
    return owner.role === 'other' ? 'not on a node' : owner.label.replace(` network interface ${eni.id}`, '');
  }
  if (eni.deviceIndex === 0) return 'primary';
  return eni.deviceIndex !== undefined || eni.origin.source === 'inferred' ? 'secondary' : undefined;
}

/** Where an ENI's facts come from, as the trees say it. */
export function eniSourceText(eni: EniInfo): string {
  const o = eni.origin;
  if (o.source === 'inferred') return 'inferred from pod IPs';
  const ipamd = o.detail?.includes('ipamd') ? ' + ipamd' : '';
  if (o.source === 'snapshot' && o.file?.startsWith('aws')) return `from EC2${ipamd} (snapshot)`;
  if (o.source === 'ec2') return `from EC2${ipamd}`;
  return `from ${o.source}`;
}

/** The pod an ENI IP belongs to: the store's pod with that IP first (current), then ipamd's record unless that pod has another IP now. */
export function podOfEniIp(store: ClusterStore, ip: EniIp): { namespace: string; name: string; inStore: boolean } | undefined {
  if (ip.primary) return undefined;
  const owner = store.ownersOfIp(ip.ip).find((o) => o.kind === 'pod');
  if (owner) {
    const pod = store.get('pod', owner.key);
    if (pod) return { namespace: pod.namespace, name: pod.name, inStore: true };
  }
  if (!ip.pod) return undefined;
  const named = store.get('pod', `${ip.pod.namespace}/${ip.pod.name}`);
  // ipamd was read once: a pod that has moved to another IP since no longer holds this one
  if (named && !named.hostNetwork && named.ip && named.ip !== ip.ip && !named.ips.includes(ip.ip)) return undefined;
  return { ...ip.pod, inStore: named !== undefined };
}

interface IpTotalsCache {
  totals: WeakMap<EniInfo, { used: number; total: number }>;
  subscription: { dispose(): void };
}
const ipTotalsCaches = new WeakMap<ClusterStore, IpTotalsCache>();

/**
 * `eniIpTotals` kept per ENI object (a changed ENI is a new object) until a pod with one of its IPs
 * changes: a tree refresh under pod churn rebuilds hundreds of ENI rows of a subnet without looking
 * up the pod of every IP again.
 */
export function eniIpTotalsKept(store: ClusterStore, eni: EniInfo): { used: number; total: number } {
  let cache = ipTotalsCaches.get(store);
  if (!cache) {
    const totals = new WeakMap<EniInfo, { used: number; total: number }>();
    const subscription = store.onChange((changes) => {
      for (const change of changes) {
        if (change.kind !== 'pod') continue;
        const pods = [change.previous as PodInfo | undefined, change.type === 'deleted' ? undefined : store.get('pod', change.key)];
        for (const pod of pods) {
          if (!pod) continue;
          for (const ip of pod.ip ? [pod.ip, ...pod.ips] : pod.ips) {
            for (const owner of store.ownersOfIp(ip)) {
              const holder = owner.kind === 'eni' ? store.get('eni', owner.key) : undefined;
              if (holder) totals.delete(holder);
            }
          }
        }
      }
    });
    cache = { totals, subscription };
    ipTotalsCaches.set(store, cache);
  }
  let kept = cache.totals.get(eni);
  if (!kept) {
    kept = eniIpTotals(store, eni);
    cache.totals.set(eni, kept);
  }
  return kept;
}

/** Addresses an ENI can hand to pods: secondary IPs outside prefixes, plus 16 per IPv4 /28 prefix. */
export function eniIpTotals(store: ClusterStore, eni: EniInfo): { used: number; total: number } {
  let used = 0;
  let loose = 0;
  for (const ip of eni.ips) {
    if (podOfEniIp(store, ip)) used++;
    if (!ip.primary && !ip.prefix) loose++;
  }
  const ipv4Prefixes = eni.prefixes.filter((p) => !p.includes(':')).length;
  return { used, total: loose + 16 * ipv4Prefixes };
}

export function eniRowId(parentId: string, eniId: string): string {
  return `${parentId}/eni/${eniId}`;
}

/** The row id of an ENI's IP under the ENI's row (IPs of a /28 prefix sit under the prefix's row). */
export function ipRowId(eniRow: string, ip: EniIp): string {
  return ip.prefix ? `${eniRow}/prefix/${ip.prefix}/ip/${ip.ip}` : `${eniRow}/ip/${ip.ip}`;
}

export function eniRows(store: ClusterStore, enis: readonly EniInfo[], parentId: string, ctx?: IpamdRowContext): TreeRow[] {
  return [...enis]
    .sort((a, b) => (a.deviceIndex ?? 99) - (b.deviceIndex ?? 99) || compareNames(a.id, b.id))
    .map((eni) => eniRow(store, eni, parentId, ctx));
}

/**
 * One ENI's row. A pod change refreshes it alone (its IPs-used count); an ENI reported by EC2 or
 * ipamd is read again from the store, an inferred one is rebuilt through its parent.
 */
function eniRow(store: ClusterStore, eni: EniInfo, parentId: string, ctx?: IpamdRowContext): TreeRow {
  const { used, total } = eniIpTotalsKept(store, eni);
  const id = eniRowId(parentId, eni.id);
  const inferred = eni.origin.source === 'inferred';
  const sgs = eni.securityGroups.map((g) => g.name ?? g.id);
  return {
    rebuild: () => {
      const now = inferred ? undefined : store.get('eni', eni.id);
      return now ? eniRow(store, now, parentId, ctx) : undefined;
    },
    id,
    label: inferred ? `${eni.deviceIndex === 0 ? 'eth0' : 'ENI'} (id unknown)` : eni.id,
    description: [
      eni.deviceIndex !== undefined && (eni.nodeName || eni.instanceId) ? `eth${eni.deviceIndex}` : undefined,
      eniRole(eni),
      `${used}/${total} IPs used`,
      eni.subnetId ?? (inferred ? 'subnet unknown' : undefined),
      sgs.length ? `SGs ${sgs.join(', ')}` : undefined,
      eniSourceText(eni),
    ].filter(Boolean).join(' · '),
    icon: inferred ? icon('circuit-board', WARNING_COLOR) : icon('circuit-board'),
    contextValue: inferred ? 'cniLens.inferredEni' : 'cniLens.eni',
    ...(inferred ? {} : { ref: { kind: 'eni' as const, key: eni.id } }),
    ...(eni.primaryIp ? { ip: eni.primaryIp } : {}),
    tooltip: () => `**${esc(inferred ? eni.description ?? eni.id : eni.id)}**\n\n${[
      eni.description && !inferred && `Description: ${esc(eni.description)}`,
      eni.subnetId && `Subnet: ${esc(eni.subnetId)}`,
      eni.securityGroups.length ? `Security groups: ${eni.securityGroups.map((g) => esc(g.name ? `${g.id} (${g.name})` : g.id)).join(', ')}` : undefined,
      eni.prefixes.length ? `Prefixes: ${eni.prefixes.map(esc).join(', ')}` : undefined,
      `Source: ${esc(eni.origin.source)}${eni.origin.detail ? ` (${esc(eni.origin.detail)})` : ''}`,
      inferred ? 'Neither EC2 nor ipamd gave this node\'s ENIs: the node\'s InternalIP is taken as the primary ENI\'s primary IP and the pod IPs as its secondary IPs. Give CNI Lens AWS credentials (cniLens.aws.profile) or access to the aws-node pods for the real ENIs.' : undefined,
    ].filter(Boolean).join('\n\n')}`,
    children: () => {
      // ipamd read per node: the IPs' pods and cooling state come from the ENI's node's ipamd
      const reading = eni.nodeName && !inferred ? ipamdStateRow(ctx, eni.nodeName, id) : undefined;
      const rows = eniChildren(store, eni, id);
      return reading ? [reading, ...rows] : rows;
    },
  };
}

function eniChildren(store: ClusterStore, eni: EniInfo, eniRow: string): TreeRow[] {
  const rows = eni.ips.filter((ip) => !ip.prefix).map((ip) => ipRow(store, eni, ip, eniRow));
  for (const prefix of eni.prefixes) {
    const inPrefix = eni.ips.filter((ip) => ip.prefix === prefix);
    const used = inPrefix.filter((ip) => podOfEniIp(store, ip)).length;
    const prefixId = `${eniRow}/prefix/${prefix}`;
    rows.push({
      id: prefixId,
      label: prefix,
      description: `prefix · ${used}/${prefix.includes(':') ? '?' : 16} IPs used`,
      icon: icon('symbol-array'),
      tooltip: `**${esc(prefix)}**\n\nPrefix delegated to ${esc(eni.id)}: ipamd hands its addresses to pods one by one.`,
      ...(inPrefix.length ? { children: () => inPrefix.map((ip) => ipRow(store, eni, ip, eniRow)) } : {}),
    });
  }
  return rows;
}

function ipRow(store: ClusterStore, eni: EniInfo, ip: EniIp, eniRow: string): TreeRow {
  let description: string;
  let iconId = 'symbol-number';
  const pod = podOfEniIp(store, ip);
  if (pod) {
    description = `${pod.namespace}/${pod.name}`;
    iconId = pod.inStore ? 'symbol-variable' : 'question';
  } else if (ip.primary) {
    description = eni.deviceIndex === 0 ? 'node primary' : 'ENI primary';
  } else if (ip.assigned && !ip.pod) {
    description = 'assigned (pod not named by ipamd)';
    iconId = 'question';
  } else if (ip.coolingDown) {
    description = 'cooling';
    iconId = 'history';
  } else {
    description = 'warm';
    iconId = 'circle-outline';
  }
  return {
    id: ipRowId(eniRow, ip),
    // the ENI's own changes refresh the ENI's parent; a pod's changes only this row
    rebuild: () => ipRow(store, eni, ip, eniRow),
    label: ip.ip,
    description,
    icon: icon(iconId),
    contextValue: pod ? 'cniLens.ip.pod' : 'cniLens.ip',
    ip: ip.ip,
    ...(pod ? { ref: { kind: 'pod' as const, key: `${pod.namespace}/${pod.name}` } } : {}),
    ...(pod && !pod.inStore ? { tooltip: `ipamd assigns ${esc(ip.ip)} to ${esc(pod.namespace)}/${esc(pod.name)}, which is not among the pods read.` } : {}),
  };
}
