/**
 * What the offset points at in a parsed slice: the path of YAML nodes from the Kubernetes object
 * that holds it (the innermost mapping with `apiVersion` and `kind`, so the items of a List count)
 * down to the scalar (a key or a value) or the `-` of a sequence item under the offset. Works on
 * the partial tree of a document with errors.
 */
import { isMap, isScalar, isSeq, type Document, type Node as YamlNode, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { asRecord, type JsonRecord } from '../project/jsonFields';
import type { ParsedSlice } from './hoverDocumentCache';

export type PathKey = string | number;

/** A Kubernetes object of the manifest. */
export interface ManifestObject {
  map: YAMLMap;
  apiVersion: string;
  kind: string;
  /** `apiVersion` before the `/` (`''` for the core group). */
  group: string;
  name?: string;
  /** `metadata.namespace` as written; undefined when not set. */
  namespace?: string;
  /** The object as plain data (computed on first use). */
  json(): JsonRecord;
}

export interface HoverTarget {
  object: ManifestObject;
  /** Keys and indexes from the object to the target (`['spec', 'ingress', 0, 'from', 0]`). */
  path: PathKey[];
  /** `nodes[i]` is the node at `path.slice(0, i)`: `nodes[0]` is the object's mapping. */
  nodes: Array<YamlNode | null>;
  /** The target is a mapping key (the last path key), not a value. */
  isKey: boolean;
  /** The target is the `-` of a sequence item (the item is `nodes[path.length]`). */
  isItemIndicator: boolean;
  /** The scalar under the offset (undefined for an item indicator). */
  scalar?: Scalar;
  /** The scalar's text as written (a key's name, a value as a string; undefined for null). */
  text?: string;
  /** Range of the target in the whole text. */
  range: { start: number; end: number };
  /** The YAML document of the slice that holds the target (for `toJS` and errors). */
  document: Document.Parsed;
  slice: ParsedSlice;
}

interface Step {
  node: YamlNode | null;
  key?: PathKey;
}

interface RawHit {
  steps: Step[];
  isKey: boolean;
  isItemIndicator: boolean;
  scalar?: Scalar;
  range: [number, number];
}

/** The target under `offset` (an offset into the whole text), or undefined when there is none. */
export function findHoverTarget(slice: ParsedSlice, offset: number): HoverTarget | undefined {
  const local = offset - slice.start;
  for (const document of slice.documents) {
    const [docStart, , docEnd] = document.range;
    if (local < docStart || local > docEnd) continue;
    const root = document.contents as YamlNode | null;
    if (!root) continue;
    const hit = descend(slice.text, root, local, [{ node: root }]);
    if (!hit) continue;
    return toTarget(slice, document, hit, local);
  }
  return undefined;
}

function within(node: YamlNode, local: number): boolean {
  const r = node.range;
  if (!r) return false;
  // a scalar up to the end of its value (the end inclusive: a hover just after a word); a collection to the end of the node
  return isScalar(node) ? local >= r[0] && local <= r[1] : local >= r[0] && local < r[2];
}

function descend(text: string, node: YamlNode, local: number, steps: Step[]): RawHit | undefined {
  if (isScalar(node)) {
    const r = node.range;
    if (!r || !within(node, local)) return undefined;
    return { steps, isKey: false, isItemIndicator: false, scalar: node, range: [r[0], r[1]] };
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null;
      const keyText = keyName(key);
      if (key && isScalar(key) && key.range && within(key, local)) {
        return { steps: [...steps, { node: (pair.value as YamlNode | null) ?? null, key: keyText }], isKey: true, isItemIndicator: false, scalar: key, range: [key.range[0], key.range[1]] };
      }
      const value = pair.value as YamlNode | null;
      if (value && typeof value === 'object' && 'range' in value && within(value, local)) {
        return descend(text, value, local, [...steps, { node: value, key: keyText }]);
      }
    }
    return flowHit(node, steps);
  }
  if (isSeq(node)) {
    const items = node.items as Array<YamlNode | null>;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item && typeof item === 'object' && 'range' in item && within(item, local)) return descend(text, item, local, [...steps, { node: item, key: i }]);
    }
    // the `-` of a block sequence item: the next item starts later on the same line
    const c = text.charCodeAt(local);
    if (c !== 45 /* - */) return undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const start = item && typeof item === 'object' && 'range' in item ? item.range?.[0] : undefined;
      if (start === undefined || start <= local) continue;
      const between = text.slice(local + 1, start);
      if (/^[ \t]*$/.test(between)) return { steps: [...steps, { node: item, key: i }], isKey: false, isItemIndicator: true, range: [local, local + 1] };
      break;
    }
    return flowHit(node, steps);
  }
  return undefined;
}

/** The offset is on a flow collection's own brackets or between its items (`{}`, `[a, b]`): the collection is the target. */
function flowHit(node: YAMLMap | YAMLSeq, steps: Step[]): RawHit | undefined {
  if (!node.flow || !node.range) return undefined;
  return { steps, isKey: false, isItemIndicator: false, range: [node.range[0], node.range[1]] };
}

function keyName(key: YamlNode | null): string {
  if (key && isScalar(key)) return key.value === null || key.value === undefined ? '' : String(key.value);
  return key ? String(key) : '';
}

function toTarget(slice: ParsedSlice, document: Document.Parsed, hit: RawHit, local: number): HoverTarget | undefined {
  // the innermost mapping with apiVersion and kind
  let objectIndex = -1;
  for (let i = hit.steps.length - 1; i >= 0; i--) {
    const node = hit.steps[i]?.node;
    if (node && isMap(node) && isObjectMap(node)) {
      objectIndex = i;
      break;
    }
  }
  if (objectIndex < 0) return undefined;
  const map = hit.steps[objectIndex]?.node as YAMLMap;
  const object = manifestObject(map, document, slice);
  if (!object) return undefined;
  const rest = hit.steps.slice(objectIndex + 1);
  const path = rest.map((s) => s.key as PathKey);
  const nodes = [map as YamlNode | null, ...rest.map((s) => s.node)];
  let range = hit.range;
  let text: string | undefined;
  if (hit.scalar) {
    const recovered = scalarText(hit.scalar, slice, document);
    text = recovered.text;
    if (recovered.end !== undefined) {
      // the lines an unclosed quote swallowed are not part of the value the user meant
      if (local > recovered.end) return undefined;
      range = [range[0], recovered.end];
    }
  }
  const target: HoverTarget = {
    object,
    path,
    nodes,
    isKey: hit.isKey,
    isItemIndicator: hit.isItemIndicator,
    range: { start: slice.start + range[0], end: slice.start + range[1] },
    document,
    slice,
  };
  if (hit.scalar) target.scalar = hit.scalar;
  if (text !== undefined) target.text = text;
  return target;
}

function isObjectMap(map: YAMLMap): boolean {
  let kind = false;
  let apiVersion = false;
  for (const pair of map.items) {
    const k = pair.key as YamlNode | null;
    if (!k || !isScalar(k)) continue;
    if (k.value === 'kind' && isScalar(pair.value) && typeof pair.value.value === 'string' && pair.value.value !== '') kind = true;
    else if (k.value === 'apiVersion') apiVersion = true;
  }
  return kind && apiVersion;
}

function scalarOf(map: YAMLMap | undefined, key: string): Scalar | undefined {
  if (!map) return undefined;
  for (const pair of map.items) {
    const k = pair.key as YamlNode | null;
    if (k && isScalar(k) && k.value === key) return isScalar(pair.value) ? pair.value : undefined;
  }
  return undefined;
}

function mapOf(map: YAMLMap, key: string): YAMLMap | undefined {
  for (const pair of map.items) {
    const k = pair.key as YamlNode | null;
    if (k && isScalar(k) && k.value === key) return isMap(pair.value) ? pair.value : undefined;
  }
  return undefined;
}

function manifestObject(map: YAMLMap, document: Document.Parsed, slice: ParsedSlice): ManifestObject | undefined {
  const kind = scalarOf(map, 'kind');
  const apiVersionScalar = scalarOf(map, 'apiVersion');
  const apiVersion = apiVersionScalar && apiVersionScalar.value !== null ? String(apiVersionScalar.value) : '';
  if (!kind || typeof kind.value !== 'string') return undefined;
  const meta = mapOf(map, 'metadata');
  const nameScalar = scalarOf(meta, 'name');
  const namespaceScalar = scalarOf(meta, 'namespace');
  const name = nameScalar ? scalarText(nameScalar, slice, document).text : undefined;
  const namespace = namespaceScalar ? scalarText(namespaceScalar, slice, document).text : undefined;
  let json: JsonRecord | undefined;
  const slash = apiVersion.indexOf('/');
  const object: ManifestObject = {
    map,
    apiVersion,
    kind: kind.value,
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    json: () => {
      if (!json) {
        try {
          json = asRecord(map.toJS(document, { maxAliasCount: 100 })) ?? {};
        } catch {
          json = {};
        }
      }
      return json;
    },
  };
  if (name) object.name = name;
  if (namespace) object.namespace = namespace;
  return object;
}

/**
 * The text of a scalar. A quoted scalar that a YAML error runs through (an unclosed quote swallows
 * the lines after it) is cut at its first line: what the user meant, as far as it can be known.
 */
function scalarText(scalar: Scalar, slice: ParsedSlice, document: Document.Parsed): { text?: string; end?: number } {
  const value = scalar.value;
  const r = scalar.range;
  if ((scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE') && r && document.errors.length > 0) {
    const source = slice.text.slice(r[0], r[1]);
    const nl = source.indexOf('\n');
    const broken = document.errors.some((e) => e.pos[0] >= r[0] && e.pos[0] <= r[2]);
    if (nl >= 0 && broken) {
      const firstLine = source.slice(1, nl).replace(/\r$/, '').trim();
      return { text: firstLine, end: r[0] + nl };
    }
  }
  if (value === null || value === undefined) return {};
  return { text: typeof value === 'string' ? value : String(value) };
}
