/**
 * Work in steps: a check that walks every pod, ENI or node is written as a generator that yields
 * between small pieces of work. The sync doctor runs it to the end at once (`finish`); the async one
 * runs pieces until its slice of the turn is used up, then waits for a later turn. Both run the same
 * code, so both give the same result.
 */

/** Work that yields between pieces and returns `T`. */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end, now. */
export function finish<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Arrays up to this length are sorted in one piece. */
const SORT_IN_ONE = 512;
/** Comparisons between two yields of `sortSteps`. */
const COMPARISONS_PER_STEP = 1024;

/**
 * `items` sorted by `compare`, stably, in steps: the same order as `[...items].sort(compare)` (both
 * are stable sorts with the same comparison), without one long stretch for a large array.
 */
export function* sortSteps<T>(items: readonly T[], compare: (a: T, b: T) => number): Steps<T[]> {
  const n = items.length;
  if (n <= SORT_IN_ONE) return [...items].sort(compare);
  // bottom-up merge sort: runs of SORT_IN_ONE sorted alone, then merged pairwise
  let from: T[] = [];
  for (let start = 0; start < n; start += SORT_IN_ONE) {
    const run = items.slice(start, start + SORT_IN_ONE).sort(compare);
    for (const x of run) from.push(x);
    yield;
  }
  let to: T[] = new Array<T>(n);
  let budget = COMPARISONS_PER_STEP;
  for (let width = SORT_IN_ONE; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // ties take the left run first: stable
        to[k++] = compare(from[j] as T, from[i] as T) < 0 ? (from[j++] as T) : (from[i++] as T);
        if (--budget === 0) {
          budget = COMPARISONS_PER_STEP;
          yield;
        }
      }
      while (i < mid) to[k++] = from[i++] as T;
      while (j < hi) to[k++] = from[j++] as T;
    }
    [from, to] = [to, from];
  }
  return from;
}
