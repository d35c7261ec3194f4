/**
 * Conversions between the three forms of a Hubble message, driven by the protos' reflection:
 * - wire objects: what proto-loader decodes (`keepCase`, `longs: String`, `enums: String`,
 *   `defaults: true`, `oneofs: true`) and what its serializer accepts — Timestamps `{seconds, nanos}`,
 *   wrappers `{value}`, every field present;
 * - JSON objects: protojson with proto names, as `hubble observe -o json` prints — RFC 3339 times,
 *   bare wrapper values, zero values left out (`flowTypes.ts`);
 * - JSON read from files, checked field by field (`readJsonMessage`), with errors that name the field.
 */
import type * as protobuf from 'protobufjs';
import { hubbleType } from './hubbleProtos';
import { formatHubbleTime, parseHubbleTime, timestampToNanos, nanosToTimestamp, type WireTimestamp } from './hubbleTime';

const TIMESTAMP = '.google.protobuf.Timestamp';
const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `.google.protobuf.${n}`));
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const UNSIGNED = new Set(['uint32', 'fixed32', 'uint64', 'fixed64']);

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fieldType(field: protobuf.Field): protobuf.Type | protobuf.Enum | null {
  if (!field.resolvedType) field.resolve();
  return field.resolvedType;
}

function isEnum(t: protobuf.Type | protobuf.Enum | null): t is protobuf.Enum {
  return t !== null && 'valuesById' in t;
}

// ---------------------------------------------------------------------------------------------
// wire → JSON

/** A decoded wire message (proto-loader's object) in protojson form: zero values left out. */
export function wireToJson(typeName: string, message: unknown): Obj {
  return wireMessageToJson(hubbleType(typeName), message);
}

function wireMessageToJson(type: protobuf.Type, message: unknown): Obj {
  const out: Obj = {};
  if (!isObject(message)) return out;
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const rt = fieldType(field);
    if (field.repeated) {
      if (!Array.isArray(value) || value.length === 0) continue;
      out[field.name] = value.map((v) => wireValueToJson(field, rt, v));
      continue;
    }
    const converted = wireValueToJson(field, rt, value);
    if (converted === undefined) continue;
    // protojson leaves zero scalars and zero enums out, but keeps a set oneof member
    if (!field.partOf && isZeroJson(field, rt, converted)) continue;
    out[field.name] = converted;
  }
  return out;
}

function wireValueToJson(field: protobuf.Field, rt: protobuf.Type | protobuf.Enum | null, value: unknown): unknown {
  if (rt && !isEnum(rt)) {
    if (rt.fullName === TIMESTAMP) return isObject(value) ? formatHubbleTime(timestampToNanos(value as unknown as WireTimestamp)) : undefined;
    if (WRAPPERS.has(rt.fullName)) return isObject(value) ? value.value : undefined;
    return wireMessageToJson(rt, value);
  }
  if (isEnum(rt) && typeof value === 'number') return rt.valuesById[value] ?? value;
  return value;
}

function isZeroJson(field: protobuf.Field, rt: protobuf.Type | protobuf.Enum | null, value: unknown): boolean {
  if (isEnum(rt)) return value === 0 || value === rt.valuesById[0];
  if (rt) return false;
  return value === '' || value === 0 || value === false || (LONG_TYPES.has(field.type) && value === '0');
}

// ---------------------------------------------------------------------------------------------
// JSON → wire

/** A JSON (protojson) message as proto-loader's serializer takes it: Timestamps and wrappers as messages. */
export function jsonToWire(typeName: string, message: unknown): Obj {
  return jsonMessageToWire(hubbleType(typeName), message);
}

function jsonMessageToWire(type: protobuf.Type, message: unknown): Obj {
  const out: Obj = {};
  if (!isObject(message)) return out;
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const rt = fieldType(field);
    out[field.name] = field.repeated && Array.isArray(value) ? value.map((v) => jsonValueToWire(rt, v)) : jsonValueToWire(rt, value);
  }
  return out;
}

function jsonValueToWire(rt: protobuf.Type | protobuf.Enum | null, value: unknown): unknown {
  if (rt && !isEnum(rt)) {
    if (rt.fullName === TIMESTAMP) {
      if (typeof value === 'string') {
        const n = parseHubbleTime(value);
        if (n === undefined) throw new RangeError(`not an RFC 3339 time: "${value}"`);
        return nanosToTimestamp(n);
      }
      if (value instanceof Date) throw new TypeError('a Date would be encoded as 1970: pass an RFC 3339 string');
      return value;
    }
    if (WRAPPERS.has(rt.fullName)) return isObject(value) ? value : { value };
    return jsonMessageToWire(rt, value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// JSON from files, checked

export class HubbleJsonError extends Error {
  constructor(
    message: string,
    /** Dotted path of the offending field, e.g. `flow.source.labels`. */
    readonly path: string,
  ) {
    super(message);
    this.name = 'HubbleJsonError';
  }
}

/**
 * Reads a JSON message as `hubble observe -o json` wrote it into the canonical JSON form: known
 * fields are checked against their proto types (numbers given as strings, enum numbers and wrapper
 * objects are accepted, as protojson accepts them) and normalized; unknown fields are kept as they
 * are. Throws `HubbleJsonError` naming the field on a type mismatch.
 */
export function readJsonMessage(typeName: string, value: unknown, path: string): Obj {
  return readMessage(hubbleType(typeName), value, path);
}

function readMessage(type: protobuf.Type, value: unknown, path: string): Obj {
  if (!isObject(value)) throw new HubbleJsonError(`${path}: expected an object, got ${describe(value)}`, path);
  const out: Obj = {};
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key];
    if (!field) {
      out[key] = v; // a field this subset does not know: keep it as read
      continue;
    }
    if (v === null || v === undefined) continue;
    const where = `${path}.${key}`;
    const rt = fieldType(field);
    if (field.repeated) {
      if (!Array.isArray(v)) throw new HubbleJsonError(`${where}: expected a list, got ${describe(v)}`, where);
      if (v.length === 0) continue;
      out[key] = v.map((item, i) => readValue(field, rt, item, `${where}[${i}]`));
      continue;
    }
    const read = readValue(field, rt, v, where);
    if (!field.partOf && isZeroJson(field, rt, read)) continue;
    out[key] = read;
  }
  return out;
}

function readValue(field: protobuf.Field, rt: protobuf.Type | protobuf.Enum | null, v: unknown, where: string): unknown {
  if (rt && !isEnum(rt)) {
    if (rt.fullName === TIMESTAMP) {
      if (typeof v === 'string') {
        const n = parseHubbleTime(v);
        if (n === undefined) throw new HubbleJsonError(`${where}: not an RFC 3339 time: ${JSON.stringify(v)}`, where);
        return formatHubbleTime(n);
      }
      if (isObject(v) && 'seconds' in v) {
        try {
          return formatHubbleTime(timestampToNanos(v as unknown as WireTimestamp));
        } catch {
          // fall through to the error below
        }
      }
      throw new HubbleJsonError(`${where}: expected an RFC 3339 time, got ${describe(v)}`, where);
    }
    if (WRAPPERS.has(rt.fullName)) {
      const inner = isObject(v) ? v.value : v;
      const valueField = rt.fields.value!;
      return readValue(valueField, null, inner, where);
    }
    return readMessage(rt, v, where);
  }
  if (isEnum(rt)) {
    if (typeof v === 'number' && Number.isInteger(v)) return rt.valuesById[v] ?? v;
    if (typeof v === 'string' && /^[A-Za-z][A-Za-z0-9_]*$/.test(v)) return v; // names this subset lacks are kept
    throw new HubbleJsonError(`${where}: expected a ${rt.name} name, got ${describe(v)}`, where);
  }
  return readScalar(field.type, v, where);
}

function readScalar(type: string, v: unknown, where: string): unknown {
  if (type === 'string') {
    if (typeof v !== 'string') throw new HubbleJsonError(`${where}: expected a string, got ${describe(v)}`, where);
    return v;
  }
  if (type === 'bool') {
    if (typeof v !== 'boolean') throw new HubbleJsonError(`${where}: expected true or false, got ${describe(v)}`, where);
    return v;
  }
  if (INT_TYPES.has(type) || LONG_TYPES.has(type)) {
    const text = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : '') : typeof v === 'string' ? v : '';
    const ok = UNSIGNED.has(type) ? /^\d+$/.test(text) : /^-?\d+$/.test(text);
    if (!ok) throw new HubbleJsonError(`${where}: expected ${UNSIGNED.has(type) ? 'a non-negative ' : 'an '}integer, got ${describe(v)}`, where);
    return LONG_TYPES.has(type) ? BigInt(text).toString() : Number(text);
  }
  if (type === 'double' || type === 'float') {
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || Number.isNaN(n)) throw new HubbleJsonError(`${where}: expected a number, got ${describe(v)}`, where);
    return n;
  }
  return v; // bytes: base64 text, kept
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
