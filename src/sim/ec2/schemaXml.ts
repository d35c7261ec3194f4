/**
 * EC2 Query protocol serde for the simulated EC2 API, driven by the shape schemas that
 * `@aws-sdk/client-ec2` exports (`DescribeNetworkInterfacesResult$`, …). Nothing here knows an
 * element name: response elements come from each member's `xmlName` trait (list entries from the
 * list value's `xmlName`, `item` in EC2), request parameters from `ec2QueryName`, exactly as the
 * SDK's own serializer and XML reader look them up. Scenario data stays AWS CLI JSON (PascalCase
 * member names, plain arrays, ISO timestamps).
 */
import { NormalizedSchema } from '@smithy/core/schema';

export type ShapeSchema = Parameters<typeof NormalizedSchema.of>[0];

// ---------------------------------------------------------------------------------------------
// JSON (AWS CLI shape) -> XML
// ---------------------------------------------------------------------------------------------

const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for an XML element or attribute, dropping characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  return text.replace(XML_INVALID, '').replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/** Writes the members of `value` (an object shaped like the structure `schema`) as XML elements. */
export function writeStructMembers(schema: ShapeSchema | NormalizedSchema, value: Record<string, unknown>, out: string[]): void {
  const ns = NormalizedSchema.of(schema);
  for (const [memberName, member] of ns.structIterator()) {
    const v = value[memberName];
    if (v === undefined || v === null) continue;
    // The SDK's XmlShapeDeserializer reads `getMemberTraits().xmlName ?? memberName` per member.
    const element = (member.getMemberTraits().xmlName as string | undefined) ?? memberName;
    if (member.isListSchema() && member.getMergedTraits().xmlFlattened) {
      if (!Array.isArray(v)) continue;
      for (const entry of v) writeElement(element, member.getValueSchema(), entry, out);
      continue;
    }
    writeElement(element, member, v, out);
  }
}

function writeElement(name: string, ns: NormalizedSchema, value: unknown, out: string[]): void {
  if (value === undefined || value === null) return;
  if (ns.isListSchema()) {
    if (!Array.isArray(value)) return;
    const entrySchema = ns.getValueSchema();
    const entryName = (entrySchema.getMergedTraits().xmlName as string | undefined) ?? 'member';
    out.push(`<${name}>`);
    for (const entry of value) writeElement(entryName, entrySchema, entry, out);
    out.push(`</${name}>`);
    return;
  }
  if (ns.isMapSchema()) {
    if (typeof value !== 'object') return;
    const keyName = (ns.getKeySchema().getMergedTraits().xmlName as string | undefined) ?? 'key';
    const valueSchema = ns.getValueSchema();
    const valueName = (valueSchema.getMergedTraits().xmlName as string | undefined) ?? 'value';
    const flat = !!ns.getMergedTraits().xmlFlattened;
    if (!flat) out.push(`<${name}>`);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out.push(flat ? `<${name}>` : '<entry>', `<${keyName}>${escapeXml(k)}</${keyName}>`);
      writeElement(valueName, valueSchema, v, out);
      out.push(flat ? `</${name}>` : '</entry>');
    }
    if (!flat) out.push(`</${name}>`);
    return;
  }
  if (ns.isStructSchema()) {
    if (typeof value !== 'object' || Array.isArray(value)) return;
    out.push(`<${name}>`);
    writeStructMembers(ns, value as Record<string, unknown>, out);
    out.push(`</${name}>`);
    return;
  }
  const text = scalarText(ns, value);
  if (text !== undefined) out.push(`<${name}>${escapeXml(text)}</${name}>`);
}

function scalarText(ns: NormalizedSchema, value: unknown): string | undefined {
  if (ns.isTimestampSchema()) {
    const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime())) return typeof value === 'string' ? value : undefined;
    const format = ns.getSchema();
    if (format === 7) return String(date.getTime() / 1000); // epoch-seconds
    if (format === 6) return date.toUTCString(); // http-date
    return date.toISOString(); // date-time, the EC2 default
  }
  if (ns.isBlobSchema()) {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    return typeof value === 'string' ? value : undefined;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Query parameters -> SDK input (the inverse of the SDK's EC2 QueryShapeSerializer)
// ---------------------------------------------------------------------------------------------

interface ParamNode {
  value?: string;
  path: string;
  children: Map<string, ParamNode>;
}

export interface ParsedQueryInput {
  input: Record<string, unknown>;
  /** Parameters the operation's input schema has no member for (EC2 answers `UnknownParameter`). */
  unknown: string[];
}

/**
 * Reads EC2 Query parameters (`Filter.1.Name=…&Filter.1.Value.1=…&NetworkInterfaceId.1=…`) into an
 * SDK-shaped input object (`{ Filters: [{ Name, Values }], NetworkInterfaceIds: [...] }`) by walking
 * the operation's input schema. EC2 names: `ec2QueryName`, else the capitalised `xmlName`, else the
 * member name; lists are flattened with 1-based indexes.
 */
export function readQueryInput(schema: ShapeSchema, params: Iterable<[string, string]>, ignore: ReadonlySet<string>): ParsedQueryInput {
  const root: ParamNode = { path: '', children: new Map() };
  const all: string[] = [];
  for (const [key, value] of params) {
    if (ignore.has(key)) continue;
    all.push(key);
    let node = root;
    for (const part of key.split('.')) {
      let next = node.children.get(part);
      if (!next) {
        next = { path: node.path ? `${node.path}.${part}` : part, children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    node.value = value;
  }
  const used = new Set<string>();
  const input = readStruct(NormalizedSchema.of(schema), root, used);
  return { input, unknown: all.filter((k) => !used.has(k)) };
}

function queryKey(memberName: string, member: NormalizedSchema): string {
  const traits = member.getMergedTraits();
  const ec2 = traits.ec2QueryName as string | undefined;
  if (ec2) return ec2;
  const key = (traits.xmlName as string | undefined) ?? memberName;
  return key[0].toUpperCase() + key.slice(1);
}

function readStruct(ns: NormalizedSchema, node: ParamNode, used: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [memberName, member] of ns.structIterator()) {
    const child = node.children.get(queryKey(memberName, member));
    if (!child) continue;
    const v = readValue(member, child, used);
    if (v !== undefined) out[memberName] = v;
  }
  return out;
}

function readValue(ns: NormalizedSchema, node: ParamNode, used: Set<string>): unknown {
  if (ns.isListSchema()) {
    const entrySchema = ns.getValueSchema();
    const indexes = [...node.children.keys()].filter((k) => /^[1-9]\d*$/.test(k)).sort((a, b) => Number(a) - Number(b));
    return indexes.map((i) => readValue(entrySchema, node.children.get(i)!, used));
  }
  if (ns.isStructSchema()) return readStruct(ns, node, used);
  if (node.value === undefined) return undefined;
  used.add(node.path);
  const text = node.value;
  if (ns.isBooleanSchema()) return text === 'true';
  if (ns.isNumericSchema()) return Number(text);
  if (ns.isTimestampSchema()) return new Date(/^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : text);
  return text;
}
