/**
 * Finds the line of a rule inside the manifest a policy was read from: the file is parsed again
 * with positions (once per file, cached), the policy object is found by the line the loader
 * recorded for it, and the rule path (`spec.ingress[1].from[0]`) is walked through the YAML nodes.
 */
import { readFileSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode, type YAMLMap } from 'yaml';
import type { Provenance } from '../../model';
import type { RulePath } from './compiledPolicy';

export interface RuleLocator {
  /** 1-based line of `path` inside the object that starts at `origin.line` of `origin.file`. */
  lineOf(origin: Provenance, path: RulePath): number | undefined;
}

interface ParsedFile {
  lineCounter: LineCounter;
  /** Mapping nodes of the file's objects (documents and `items` of lists) by the line of their first key. */
  objects: Map<number, YAMLMap>;
}

/** Parses manifest text and answers rule lines in it. */
export function ruleLocatorForText(textOf: (file: string) => string | undefined): RuleLocator {
  const cache = new Map<string, ParsedFile | null>();
  const parsed = (file: string): ParsedFile | null => {
    let entry = cache.get(file);
    if (entry === undefined) {
      const text = textOf(file);
      entry = text === undefined ? null : parseFile(text);
      cache.set(file, entry);
    }
    return entry;
  };
  return {
    lineOf(origin, path) {
      if (!origin.file || origin.line === undefined) return undefined;
      const file = parsed(origin.file);
      if (!file) return undefined;
      const object = file.objects.get(origin.line);
      if (!object) return undefined;
      return walk(object, path, file.lineCounter);
    },
  };
}

/**
 * A locator for files of a snapshot loaded from `root` (a directory, or one manifest file: then
 * origins name the file by its base name).
 */
export function fileRuleLocator(root: string): RuleLocator {
  const resolved = nodePath.resolve(root);
  let rootIsFile = false;
  try {
    rootIsFile = statSync(resolved).isFile();
  } catch {
    rootIsFile = false;
  }
  return ruleLocatorForText((file) => {
    const full = rootIsFile ? (nodePath.basename(resolved) === file ? resolved : undefined) : nodePath.resolve(resolved, file);
    if (full === undefined) return undefined;
    try {
      const text = readFileSync(full, 'utf8');
      return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    } catch {
      return undefined;
    }
  });
}

function parseFile(text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const objects = new Map<number, YAMLMap>();
  for (const doc of parseAllDocuments(text, { lineCounter, merge: true })) {
    if (doc.errors.length > 0) continue;
    const contents = doc.contents;
    if (!isMap(contents)) continue;
    addObject(objects, contents, lineCounter);
    const items = contents.get('items', true);
    if (isSeq(items)) for (const item of items.items) if (isMap(item)) addObject(objects, item, lineCounter);
  }
  return { lineCounter, objects };
}

function addObject(objects: Map<number, YAMLMap>, map: YAMLMap, lineCounter: LineCounter): void {
  const line = firstKeyLine(map, lineCounter);
  if (line !== undefined && !objects.has(line)) objects.set(line, map);
}

function firstKeyLine(map: YAMLMap, lineCounter: LineCounter): number | undefined {
  const key = map.items[0]?.key;
  const offset = isNode(key) && key.range ? key.range[0] : map.range?.[0];
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

/** The line of the node at `path`: of the key for a last string segment, of the item for an index. */
function walk(root: YAMLMap, path: RulePath, lineCounter: LineCounter): number | undefined {
  let node: unknown = root;
  let line: number | undefined;
  for (const seg of path) {
    if (typeof seg === 'string') {
      if (!isMap(node)) return line;
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value === seg : p.key === seg));
      if (!pair) return line;
      line = lineOfNode(pair.key, lineCounter) ?? line;
      node = pair.value;
    } else {
      if (!isSeq(node)) return line;
      const item = node.items[seg];
      if (item === undefined) return line;
      line = lineOfNode(item, lineCounter) ?? line;
      node = item;
    }
  }
  return line;
}

function lineOfNode(node: unknown, lineCounter: LineCounter): number | undefined {
  if (!isNode(node)) return undefined;
  const n = node as YamlNode;
  if (isMap(n) && n.items.length > 0) {
    const key = n.items[0]?.key;
    if (isNode(key) && key.range) return lineCounter.linePos(key.range[0]).line;
  }
  return n.range ? lineCounter.linePos(n.range[0]).line : undefined;
}
