/**
 * Hubble times: RFC 3339 strings with up to nanosecond precision (protojson), Timestamps
 * `{seconds, nanos}` on the wire, and nanoseconds since the epoch as a bigint for comparisons.
 * A JS Date has millisecond precision only, and proto-loader silently encodes a Date given for a
 * Timestamp as 1970: always convert with these functions.
 */

export interface WireTimestamp {
  /** int64 seconds since the epoch; a decimal string as proto-loader decodes it with `longs: String`. */
  seconds: string | number;
  nanos: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const NANOS_PER_SECOND = 1_000_000_000n;

/** Nanoseconds since the epoch, or undefined when `text` is not an RFC 3339 timestamp. */
export function parseHubbleTime(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second === 60 ? 59 : second);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  let offsetSeconds = 0;
  const zone = m[8]!;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetSeconds = sign * (oh * 3600 + om * 60);
  }
  const seconds = BigInt(ms / 1000 + (second === 60 ? 1 : 0) - offsetSeconds);
  const nanos = m[7] ? BigInt(m[7].padEnd(9, '0')) : 0n;
  return seconds * NANOS_PER_SECOND + nanos;
}

/** RFC 3339 in UTC as protojson writes it: no fraction, or 3, 6 or 9 digits. */
export function formatHubbleTime(nanosSinceEpoch: bigint): string {
  let seconds = nanosSinceEpoch / NANOS_PER_SECOND;
  let nanos = nanosSinceEpoch % NANOS_PER_SECOND;
  if (nanos < 0n) {
    nanos += NANOS_PER_SECOND;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${base}${fraction(Number(nanos))}Z`;
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) return `.${digits.slice(0, 3)}`;
  if (nanos % 1_000 === 0) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

/** Canonical form of an RFC 3339 time (UTC, protojson precision), or undefined when malformed. */
export function normalizeHubbleTime(text: string): string | undefined {
  const n = parseHubbleTime(text);
  return n === undefined ? undefined : formatHubbleTime(n);
}

export function timestampToNanos(ts: WireTimestamp): bigint {
  return BigInt(ts.seconds) * NANOS_PER_SECOND + BigInt(ts.nanos ?? 0);
}

export function nanosToTimestamp(nanosSinceEpoch: bigint): WireTimestamp {
  let seconds = nanosSinceEpoch / NANOS_PER_SECOND;
  let nanos = nanosSinceEpoch % NANOS_PER_SECOND;
  if (nanos < 0n) {
    nanos += NANOS_PER_SECOND;
    seconds -= 1n;
  }
  return { seconds: seconds.toString(), nanos: Number(nanos) };
}

/** A Date or RFC 3339 string as a wire Timestamp; throws on a malformed string. */
export function toWireTimestamp(value: string | Date): WireTimestamp {
  return nanosToTimestamp(toNanos(value));
}

export function toNanos(value: string | Date): bigint {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RangeError('invalid Date');
    return BigInt(ms) * 1_000_000n;
  }
  const n = parseHubbleTime(value);
  if (n === undefined) throw new RangeError(`not an RFC 3339 time: "${value}"`);
  return n;
}

/** The current time in nanoseconds since the epoch, with microsecond resolution. */
export function nowNanos(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
const UNIT_NANOS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9 };

/** A Go-style duration (`90s`, `5m`, `1h30m`, `2d`) in nanoseconds, or undefined. */
export function parseDuration(text: string): bigint | undefined {
  if (!text) return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = DURATION_PART.exec(text)) !== null) {
    total += Number(m[1]) * UNIT_NANOS[m[2]!]!;
    consumed = DURATION_PART.lastIndex;
  }
  if (consumed !== text.length) return undefined;
  return BigInt(Math.round(total));
}

/**
 * `--since`/`--until` as the hubble CLI takes them: an RFC 3339 time, or a duration meaning that
 * long before `reference` (now, or for a snapshot its newest flow). Undefined when neither.
 */
export function parseTimeBound(text: string, reference: bigint): bigint | undefined {
  const absolute = parseHubbleTime(text);
  if (absolute !== undefined) return absolute;
  const duration = parseDuration(text);
  return duration === undefined ? undefined : reference - duration;
}
