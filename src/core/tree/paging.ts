/**
 * Long lists in pages: a parent with more than `PAGE_SIZE` children shows one row per page
 * ("pods 1–1000", first … last name), and each page its rows. Only the rows of an expanded page are
 * built. Page row ids are the parent's id and the page's number; the rows inside keep their own ids,
 * so reveal, selection and refresh by id work as without pages.
 */
import { icon, oncePerTurn, type TreeRow } from './treeRow';

export const PAGE_SIZE = 1000;

export function pageRowId(parentId: string, page: number): string {
  return `${parentId}/page/${page}`;
}

/**
 * The children of `parentId`: the rows of `items` (in the order given), or pages of them when
 * there are more than `PAGE_SIZE`. `items` is read again when a page is expanded: within one turn
 * of the event loop the pages share one read, and with `version` (the store's) as long as it is
 * the same (the filter's search expands every page, each on a later turn: a namespace of 15,000
 * pods is then sorted once, not once per page).
 */
export function pagedRows<T>(parentId: string, items: () => readonly T[], nameOf: (item: T) => string, rowOf: (item: T) => TreeRow, noun: string, version?: () => number): TreeRow[] {
  return pagedRowsOf(parentId, items, nameOf, (some) => some.map(rowOf), noun, version);
}

/** `pagedRows` with the rows of a page built together (`rowsOf` gets the page's items, or all when unpaged). */
export function pagedRowsOf<T>(parentId: string, items: () => readonly T[], nameOf: (item: T) => string, rowsOf: (items: readonly T[]) => TreeRow[], noun: string, version?: () => number): TreeRow[] {
  const read = version ? keptWhile(items, version) : oncePerTurn(items);
  const all = read();
  if (all.length <= PAGE_SIZE) return rowsOf(all);
  const pages: TreeRow[] = [];
  for (let start = 0, page = 1; start < all.length; start += PAGE_SIZE, page++) {
    const end = Math.min(all.length, start + PAGE_SIZE);
    const first = nameOf(all[start] as T);
    const last = nameOf(all[end - 1] as T);
    pages.push({
      id: pageRowId(parentId, page),
      label: `${noun} ${start + 1}–${end}`,
      description: `${first} … ${last}`,
      icon: icon('list-flat'),
      pageOnly: true,
      tooltip: `${noun} ${start + 1} to ${end} of ${all.length}, in the order of the list`,
      children: () => rowsOf(read().slice(start, end)),
    });
  }
  return pages;
}

/** `compute()`, computed again only when `version()` has changed. */
function keptWhile<T>(compute: () => T, version: () => number): () => T {
  let at: number | undefined;
  let value: T | undefined;
  return () => {
    const now = version();
    if (at !== now) {
      value = compute();
      at = now;
    }
    return value as T;
  };
}

/**
 * The page row under `parentId` that holds `name` among `names` (in the order the list shows them),
 * for reveal: undefined when the list is not paged or does not hold it.
 */
export function pageHolding(parentId: string, names: readonly string[], name: string): string | undefined {
  if (names.length <= PAGE_SIZE) return undefined;
  const at = names.indexOf(name);
  return at < 0 ? undefined : pageRowId(parentId, Math.floor(at / PAGE_SIZE) + 1);
}
