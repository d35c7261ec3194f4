/**
 * Defensive readers for plain JSON (parsed YAML, API bodies, AWS CLI/SDK output). Each returns
 * `undefined` (or an empty container) for a value of the wrong type instead of throwing, so the
 * projections can skip bad input field by field.
 */

export type JsonRecord = Record<string, unknown>;

/** The value when it is a plain object (not an array, not null). */
export function asRecord(v: unknown): JsonRecord | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) ? (v as JsonRecord) : undefined;
}

/** The value when it is an array, else `[]`. */
export function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A string, or `undefined`. */
export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A non-empty string, or `undefined`. */
export function asNonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A boolean, or `undefined`. */
export function asBool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** An integer from a number or a decimal string (JSON int64 may come as a string), or `undefined`. */
export function asInt(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}

/** A TCP/UDP/SCTP port number (1–65535), or `undefined`. */
export function asPort(v: unknown): number | undefined {
  const n = asInt(v);
  return n !== undefined && n >= 1 && n <= 65535 ? n : undefined;
}

/** A scalar rendered as a string (string, finite number, boolean), or `undefined`. */
export function asScalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

/** A timestamp as an RFC 3339 string: strings pass through, `Date` objects (AWS SDK, YAML) are formatted. */
export function asTime(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().replace('.000Z', 'Z');
  return undefined;
}

/** Sets `obj[key] = value` without ever touching the prototype (`__proto__` keys from JSON). */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** A copy of a map keeping only string values (non-string values are dropped). */
export function asStringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const rec = asRecord(v);
  if (!rec) return out;
  for (const [k, val] of Object.entries(rec)) {
    if (typeof val === 'string') setOwn(out, k, val);
  }
  return out;
}

/** A copy of a map keeping scalar values rendered as strings (for ConfigMap data written by hand). */
export function asScalarMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const rec = asRecord(v);
  if (!rec) return out;
  for (const [k, val] of Object.entries(rec)) {
    const s = asScalarString(val);
    if (s !== undefined) setOwn(out, k, s);
  }
  return out;
}

/** The string items of an array (other items dropped); `[]` when not an array. */
export function asStringList(v: unknown): string[] {
  const out: string[] = [];
  for (const item of asArray(v)) if (typeof item === 'string' && item !== '') out.push(item);
  return out;
}

/** A short description of a value's type for problem messages: `null`, `array`, `string "ab…"`, `number 5`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `a string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (typeof v === 'object') {
    const keys = Object.keys(v as object);
    const shown = keys.slice(0, 6).map((k) => JSON.stringify(k)).join(', ');
    return keys.length === 0 ? 'an empty object' : `an object with keys ${shown}${keys.length > 6 ? ', …' : ''}`;
  }
  return typeof v;
}
