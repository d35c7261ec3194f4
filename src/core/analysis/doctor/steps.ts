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

/** Numbers sorted alone in one piece by `sortNumbersSteps`; merging goes this many at a time. */
const NUMBERS_PER_STEP = 32_768;

/** `values` sorted ascending (sorted in place in pieces, then merged), in steps. */
export function* sortNumbersSteps(values: Float64Array): Steps<Float64Array> {
  const n = values.length;
  for (let lo = 0; lo < n; lo += NUMBERS_PER_STEP) {
    values.subarray(lo, Math.min(lo + NUMBERS_PER_STEP, n)).sort();
    yield;
  }
  let from: Float64Array = values;
  let to: Float64Array = new Float64Array(n);
  let budget = NUMBERS_PER_STEP;
  for (let width = NUMBERS_PER_STEP; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (k < hi) {
        to[k++] = j >= hi || (i < mid && (from[i] as number) <= (from[j] as number)) ? (from[i++] as number) : (from[j++] as number);
        if (--budget === 0) {
          budget = NUMBERS_PER_STEP;
          yield;
        }
      }
    }
    [from, to] = [to, from];
  }
  return from;
}

/**
 * The number of a dotted-quad IPv4 address written the usual way (no leading zero, no part over
 * 255), or -1: such addresses and their numbers match one to one, so equal numbers mean equal text.
 */
export function ipv4Number(ip: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // a leading zero
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  return dots === 3 && digits > 0 ? value * 256 + part : -1;
}

/** Holders per key: an IPv4 number times this plus the holder's index stays an exact double. */
const HOLDERS = 2 ** 21;

/**
 * Which IPs more than one holder (pod, ENI) has, and how many distinct IPs there are, without a map
 * entry per IP: IPv4 addresses become numbers paired with their holder's index, sorted, and read in
 * runs. Other text (IPv6, odd forms) goes through a map.
 */
export class IpHolders {
  private keys: Float64Array;
  private size = 0;
  private readonly other = new Map<string, number>();
  /** Other text held by more than one holder. */
  private readonly otherShared = new Set<string>();

  constructor(expected: number) {
    this.keys = new Float64Array(Math.max(16, expected));
  }

  /** `holder` (an index, ascending as holders are added) holds `ip`. */
  add(ip: string, holder: number): void {
    const n = holder < HOLDERS ? ipv4Number(ip) : -1;
    if (n < 0) {
      const first = this.other.get(ip);
      if (first === undefined) this.other.set(ip, holder);
      else if (first !== holder) this.otherShared.add(ip);
      return;
    }
    if (this.size === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys[this.size++] = n * HOLDERS + holder;
  }

  /** The IPs with more than one holder, and the count of distinct IPs. */
  *shared(): Steps<{ shared: Set<string>; distinct: number }> {
    const sorted = yield* sortNumbersSteps(this.keys.subarray(0, this.size));
    const shared = new Set(this.otherShared);
    let distinct = this.other.size;
    let i = 0;
    while (i < sorted.length) {
      const ip = Math.floor((sorted[i] as number) / HOLDERS);
      const first = (sorted[i] as number) - ip * HOLDERS;
      let more = false;
      let j = i + 1;
      for (; j < sorted.length; j++) {
        const key = sorted[j] as number;
        const next = Math.floor(key / HOLDERS);
        if (next !== ip) break;
        if (key - next * HOLDERS !== first) more = true;
      }
      distinct++;
      if (more) shared.add(`${Math.floor(ip / 16_777_216)}.${Math.floor(ip / 65_536) % 256}.${Math.floor(ip / 256) % 256}.${ip % 256}`);
      if ((j >> 15) !== (i >> 15)) yield;
      i = j;
    }
    return { shared, distinct };
  }
}
