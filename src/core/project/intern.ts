/**
 * Shares equal values among the objects projected from one source. A large cluster repeats the same
 * namespaces, node names, label sets, container ports and Cilium identity labels on tens of
 * thousands of objects; JSON.parse gives each object its own copy. Projected through an `Interner`,
 * equal values are one object: the store holds a fraction of the memory and the garbage collector
 * has a fraction of the objects to trace and copy.
 *
 * Shared values are read-only, like everything the projections return.
 */
const SHARED_BY_PARSE = 10;

export class Interner {
  private strings = new Map<string, string>();
  private values = new Map<string, unknown>();

  /** @param limit Entries kept per table; a full table starts over (sharing is lost for new values, nothing else). */
  constructor(private readonly limit = 200_000) {}

  /** The first string equal to `s` seen by this interner. */
  string<T extends string | undefined>(s: T): T {
    // JSON.parse (V8) already gives equal strings of up to 10 characters as one string
    if (s === undefined || s.length <= SHARED_BY_PARSE) return s;
    const known = this.strings.get(s);
    if (known !== undefined) return known as T;
    if (this.strings.size >= this.limit) this.strings = new Map();
    this.strings.set(s, s);
    return s;
  }

  /**
   * The value last kept under `hint` when `matches` says it equals the one wanted, else `make()`'s
   * result, which is then kept under `hint`. A hint is cheap to build and shared by objects that
   * usually carry equal values (the pods of one ReplicaSet carry the same labels): comparing with
   * one kept value costs less than spelling out a value as a key. Hints of different kinds of
   * values must not collide: callers prefix them.
   */
  reuse<T>(hint: string, matches: (kept: T) => boolean, make: () => T): T {
    const kept = this.values.get(hint) as T | undefined;
    if (kept !== undefined && matches(kept)) return kept;
    const made = make();
    if (this.values.size >= this.limit) this.values = new Map();
    this.values.set(hint, made);
    return made;
  }

  /** Strings and values held. */
  get size(): number {
    return this.strings.size + this.values.size;
  }
}
