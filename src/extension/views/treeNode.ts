/** A row of a CNI Lens tree (plain data, built in `src/core/tree`); the tree provider maps it to a TreeItem. */
export type { TreeRow as TreeNode } from '../../core/tree/treeRow';
