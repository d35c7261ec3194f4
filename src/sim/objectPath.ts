/** Reading values out of raw Kubernetes objects. */

type Json = unknown;

/** The value at `path` (keys and array indexes), or undefined. */
export function valueAt(obj: Json, ...path: Array<string | number>): Json {
  let cur = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, Json>)[key];
  }
  return cur;
}

/** An array at `path`, or `[]`. */
export function arrayAt(obj: Json, ...path: Array<string | number>): Json[] {
  const v = valueAt(obj, ...path);
  return Array.isArray(v) ? v : [];
}

/** A string-keyed record at `path`, or `{}`. */
export function recordAt(obj: Json, ...path: Array<string | number>): Record<string, Json> {
  const v = valueAt(obj, ...path);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Json>) : {};
}

/**
 * The first result of the simple JSONPath CRD printer columns use: `.a.b`, `.a\.b` (escaped dot),
 * `[0]`, `[?(@.type=='X')]`. Undefined when nothing matches.
 */
export function evalJsonPath(obj: Json, path: string): Json {
  let results: Json[] = [obj];
  const re = /\.((?:\\.|[^.[\\])+)|\[(\d+)\]|\[\?\(@\.([\w.-]+)\s*==\s*['"]([^'"]*)['"]\)\]/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(path)) !== null) {
    if (m.index !== consumed) return undefined;
    consumed = re.lastIndex;
    const [, key, index, filterKey, filterValue] = m;
    if (key !== undefined) {
      const k = key.replace(/\\\./g, '.');
      results = results.map((r) => valueAt(r, k));
    } else if (index !== undefined) {
      results = results.map((r) => valueAt(r, Number(index)));
    } else {
      results = results.flatMap((r) => (Array.isArray(r) ? r : [])).filter((r) => String(valueAt(r, filterKey!)) === filterValue);
    }
    results = results.filter((r) => r !== undefined && r !== null);
  }
  return consumed === path.length ? results[0] : undefined;
}
