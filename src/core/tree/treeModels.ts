/**
 * The five CNI Lens trees as data: for each, its top-level rows, the sources whose problems it
 * shows as rows at its top, and which rows a store change touches.
 */
import type { SourceStatus } from '../model';
import type { ClusterStore, StoreChange } from '../store/clusterStore';
import { endpointsAffected, enisAffected, nodesAffected, podIpsAffected, type AffectedRows } from './affectedRows';
import { clusterRows, clusterRowsAffected, type ClusterTreeInput } from './clusterTree';
import { endpointPath, endpointRows } from './endpointsTree';
import { subnetRows } from './enisTree';
import { nodePath, nodeRows } from './nodesTree';
import { podNamespaceRows, podPath } from './podIpsTree';
import { esc, icon, type TreeRow } from './treeRow';

export type TreeInput = ClusterTreeInput;

export interface TreeModel {
  /** Source names (`kubernetes pods`, `ec2`, `ipamd`…) whose problems the tree shows as rows at its top. */
  sourcesShown: readonly string[];
  /** Rows at the top, for a session that has data (the source rows are added by `sourceRows`). */
  roots(input: TreeInput): TreeRow[];
  affected(store: ClusterStore, changes: readonly StoreChange[]): AffectedRows;
  /** When nothing is connected: the Cluster tree shows nothing, so its welcome content shows. */
  showsDisconnectedMessage: boolean;
  /**
   * The ids of the rows above row `id`, top first, when the tree knows them without building other
   * rows (reveal in a tree of thousands of rows); undefined: search the tree.
   */
  pathTo?(store: ClusterStore, id: string): string[] | undefined;
  /** The least time between two refreshes of this tree (store changes wait and are taken together). */
  minRefreshIntervalMs?: number;
}

export type TreeViewName = 'cluster' | 'nodes' | 'enis' | 'podIps' | 'endpoints';

export const TREE_MODELS: Readonly<Record<TreeViewName, TreeModel>> = {
  cluster: { sourcesShown: [], roots: clusterRows, affected: clusterRowsAffected, showsDisconnectedMessage: false, minRefreshIntervalMs: 1000 },
  nodes: { sourcesShown: ['kubernetes nodes', 'kubernetes pods', 'ec2', 'ipamd'], roots: (i) => nodeRows(i.store, i.refreshRow, i.ipamd), affected: nodesAffected, pathTo: nodePath, showsDisconnectedMessage: true },
  enis: { sourcesShown: ['ec2', 'ipamd'], roots: (i) => subnetRows(i.store, i), affected: enisAffected, showsDisconnectedMessage: true },
  podIps: { sourcesShown: ['kubernetes pods', 'kubernetes namespaces'], roots: (i) => podNamespaceRows(i.store), affected: podIpsAffected, pathTo: podPath, showsDisconnectedMessage: true },
  endpoints: { sourcesShown: ['kubernetes ciliumendpoints', 'kubernetes ciliumidentities'], roots: (i) => endpointRows(i.store, i.sources, i.refreshRow), affected: endpointsAffected, pathTo: endpointPath, showsDisconnectedMessage: true },
};

/**
 * One row per source of `shown` that is not fine: a forbidden resource names the permission it
 * needs, a missing CRD says what was not found, and no AWS credentials is said once with the fix.
 * A source read part by part (ipamd of a large cluster) says how much of it was read.
 */
export function sourceRows(sources: readonly SourceStatus[], shown: readonly string[]): TreeRow[] {
  const wanted = new Set(shown);
  return sources
    .filter((s) => wanted.has(s.name) && (s.state !== 'ok' || (s.coverage !== undefined && s.coverage.read < s.coverage.of)))
    .map((s): TreeRow => {
      if (s.state === 'ok' && s.coverage) {
        return { id: `source/${s.name}`, label: `${s.name}: ${s.coverage.read} of ${s.coverage.of} nodes read`, ...(s.detail ? { description: s.detail, tooltip: esc(s.detail) } : {}), icon: icon('info') };
      }
      const resource = s.name.startsWith('kubernetes ') ? s.name.slice('kubernetes '.length) : s.name;
      const iconId = s.state === 'forbidden' ? 'lock' : s.state === 'missing' ? 'circle-slash' : s.state === 'not-configured' ? 'info' : s.state === 'loading' ? 'loading~spin' : 'warning';
      const noCredentials = s.name === 'ec2' && s.state === 'not-configured' && /credentials/i.test(s.detail ?? '');
      const ipamdOk = sources.some((x) => x.name === 'ipamd' && x.state === 'ok');
      const label = noCredentials
        ? `No AWS credentials: ENIs ${ipamdOk ? 'from ipamd' : 'inferred from pod IPs'}`
        : s.state === 'forbidden' ? `Forbidden: ${resource}` : s.state === 'missing' ? `Not found: ${resource}` : s.state === 'not-configured' ? `${resource}: not configured` : `${resource}: ${s.state}`;
      return { id: `source/${s.name}`, label, ...(s.detail ? { description: s.detail, tooltip: esc(s.detail) } : {}), icon: icon(iconId) };
    });
}
