/** What every hover kind receives: the target in the manifest and the cluster facts of the store. */
import type { ClusterStore } from '../store/clusterStore';
import type { ClusterFacts } from './clusterFacts';
import type { HoverTarget } from './manifestTarget';

export interface HoverRequest {
  target: HoverTarget;
  store: ClusterStore;
  facts: ClusterFacts;
  /** Where the cluster facts come from (`live cluster shop-prod`, `snapshot demo/snapshot`), unescaped. */
  sourceLabel: string;
}

/** One kind of hover: Markdown when the target is of its kind and there is something to say. */
export type HoverKind = (req: HoverRequest) => string | undefined;


/** The value at `path` in plain data. */
export function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}
