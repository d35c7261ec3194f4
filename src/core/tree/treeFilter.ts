/**
 * The view filter's search: which rows of a tree match the filter text, and which have a matching
 * row below them. It walks the tree once, through pages, in steps (a 5,000-node tree has hundreds
 * of thousands of rows: built in one go they froze the editor for seconds), and stops at a row
 * that matches: everything under it shows.
 */
import type { TreeRow } from './treeRow';

export interface FilterMatch {
  /** The lowercased filter text this is the answer for. */
  text: string;
  /** Rows that match themselves: all their descendants show. */
  matched: ReadonlySet<string>;
  /** Rows that match or have a matching descendant. */
  visible: ReadonlySet<string>;
  /** Rows built to find out. */
  rowsLooked: number;
}

/** How deep below a top-level row the filter looks (page rows do not count). */
export const FILTER_DEPTH = 6;

/** Whether `row` matches the lowercased `text` (label, description, search text; a page never does). */
export function rowMatches(row: TreeRow, text: string): boolean {
  if (!text) return true;
  if (row.pageOnly) return false;
  const more = typeof row.searchText === 'function' ? row.searchText() : row.searchText ?? '';
  return `${row.label} ${row.description ?? ''} ${more}`.toLowerCase().includes(text);
}

interface Frame {
  row: TreeRow;
  depth: number;
  children: TreeRow[];
  next: number;
  any: boolean;
}

/**
 * Looks through `roots` and their descendants for `text`; yields after each row built, so the
 * caller decides when to pause. A row whose children throw counts as having none.
 */
export function* filterWalk(roots: readonly TreeRow[], text: string, maxDepth = FILTER_DEPTH): Generator<void, FilterMatch> {
  const matched = new Set<string>();
  const visible = new Set<string>();
  let rowsLooked = 0;
  const stack: Frame[] = [];
  /** True when `row` matches; otherwise pushes its frame to look below it. */
  const enter = (row: TreeRow, depth: number): boolean => {
    rowsLooked++;
    if (rowMatches(row, text)) {
      matched.add(row.id);
      visible.add(row.id);
      return true;
    }
    if (row.children && depth < maxDepth) {
      let children: TreeRow[] = [];
      try {
        children = row.children();
      } catch {
        // a row that cannot build its children has nothing to show under a filter either
      }
      stack.push({ row, depth, children, next: 0, any: false });
    }
    return false;
  };
  for (const root of roots) {
    enter(root, 0);
    yield;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame;
      if (top.next >= top.children.length) {
        stack.pop();
        if (top.any) {
          visible.add(top.row.id);
          const parent = stack[stack.length - 1];
          if (parent) parent.any = true;
        }
        continue;
      }
      const child = top.children[top.next++] as TreeRow;
      if (enter(child, child.pageOnly ? top.depth : top.depth + 1)) top.any = true;
      yield;
    }
  }
  return { text, matched, visible, rowsLooked };
}
