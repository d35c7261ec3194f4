/**
 * Reads a snapshot directory (or a single manifest file) into a `RawSnapshot`: the Kubernetes
 * objects, AWS CLI output, ipamd introspection and Hubble flows as the standard tools print them.
 * The format is described in `docs/snapshot-format.md`. Malformed input never stops the load: it
 * becomes a `SnapshotProblem` and everything else still loads. Only an unreadable root throws.
 */
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { isMap, isNode, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import {
  emptyRawAws,
  type RawAws,
  type RawKubeObject,
  type RawOrigin,
  type RawSnapshot,
  type SnapshotProblem,
  type SnapshotProblemSeverity,
} from './rawSnapshot';

/** The snapshot root does not exist or cannot be read. `path` is the path as given. */
export class SnapshotError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'SnapshotError';
  }
}

export interface LoadSnapshotOptions {
  signal?: AbortSignal;
}

/** Loads the snapshot at `path`, a snapshot directory or a single YAML/JSON file of Kubernetes objects. */
export async function loadSnapshot(path: string, opts: LoadSnapshotOptions = {}): Promise<RawSnapshot> {
  opts.signal?.throwIfAborted();
  const root = nodePath.resolve(path);
  const kind = await statRoot(path, root);
  const ctx = new LoadContext(root, kind === 'file', opts.signal);
  if (kind === 'file') await loadKubernetesFile(ctx, root);
  else await loadDirectory(ctx, path);
  return ctx.snapshot;
}

// ---------------------------------------------------------------------------------------------
// Load state

type JsonObject = Record<string, unknown>;
type AwsList = Exclude<keyof RawAws, 'files'>;

/** Bad lines reported per Hubble file before the rest are summed up in one problem. */
const MAX_LINE_PROBLEMS_PER_FILE = 20;

class LoadContext {
  readonly snapshot: RawSnapshot;
  /** Ids already merged per AWS list, so that the same resource in two files is kept once. */
  readonly awsIds = new Map<AwsList, Set<string>>();
  filesRead = 0;

  constructor(
    readonly root: string,
    readonly singleFile: boolean,
    readonly signal: AbortSignal | undefined,
  ) {
    this.snapshot = { root, kubernetes: [], aws: emptyRawAws(), ipamd: [], hubble: [], problems: [] };
  }

  /** The path of `file` as problems and origins show it: relative to the root, with `/`. */
  relative(file: string): string {
    if (this.singleFile) return nodePath.basename(file);
    const rel = nodePath.relative(this.root, file);
    if (rel === '') return '.';
    if (rel === '..' || rel.startsWith(`..${nodePath.sep}`) || nodePath.isAbsolute(rel)) return file;
    return rel.split(nodePath.sep).join('/');
  }

  problem(severity: SnapshotProblemSeverity, file: string, message: string, at?: LineColumn): void {
    const problem: SnapshotProblem = { severity, file: this.relative(file), message };
    if (at?.line !== undefined) problem.line = at.line;
    if (at?.column !== undefined) problem.column = at.column;
    this.snapshot.problems.push(problem);
  }

  checkAborted(): void {
    this.signal?.throwIfAborted();
  }
}

interface LineColumn {
  line?: number;
  column?: number;
}

function origin(ctx: LoadContext, file: string, line: number | undefined): RawOrigin {
  return line === undefined ? { file: ctx.relative(file) } : { file: ctx.relative(file), line };
}

// ---------------------------------------------------------------------------------------------
// File system

type EntryKind = 'file' | 'directory' | 'other';

interface DirEntry {
  name: string;
  path: string;
  kind: EntryKind;
}

async function statRoot(given: string, root: string): Promise<'file' | 'directory'> {
  try {
    const info = await stat(root);
    if (info.isFile()) return 'file';
    if (info.isDirectory()) return 'directory';
  } catch (error) {
    throw new SnapshotError(rootErrorMessage(given, error), given);
  }
  throw new SnapshotError(`snapshot path ${given} is neither a file nor a directory`, given);
}

function rootErrorMessage(given: string, error: unknown): string {
  const code = errorCode(error);
  if (code === 'ENOENT') return `snapshot path ${given} does not exist`;
  if (code === 'ENOTDIR') return `snapshot path ${given} does not exist (a parent is not a directory)`;
  if (code === 'EACCES' || code === 'EPERM') return `snapshot path ${given} cannot be read: permission denied`;
  return `snapshot path ${given} cannot be read: ${errorMessage(error)}`;
}

/** The entries of `dir`, symlinks followed, sorted by name (code-unit order, the same everywhere). */
async function listDirectory(dir: string): Promise<DirEntry[]> {
  const dirents = await readdir(dir, { withFileTypes: true });
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Promise.all(
    dirents.map(async (dirent) => {
      const path = nodePath.join(dir, dirent.name);
      const kind = dirent.isSymbolicLink() ? await symlinkTargetKind(path) : direntKind(dirent);
      return { name: dirent.name, path, kind };
    }),
  );
}

function direntKind(entry: { isFile(): boolean; isDirectory(): boolean }): EntryKind {
  return entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : 'other';
}

async function symlinkTargetKind(path: string): Promise<EntryKind> {
  try {
    return direntKind(await stat(path));
  } catch {
    return 'other'; // a dangling symlink
  }
}

/** Lists a folder inside the snapshot; a failure becomes a problem and an empty list. */
async function listFolder(ctx: LoadContext, dir: string): Promise<DirEntry[]> {
  ctx.checkAborted();
  try {
    return await listDirectory(dir);
  } catch (error) {
    ctx.problem('error', dir, `cannot read folder: ${errorMessage(error)}`);
    return [];
  }
}

/** Reads a file as UTF-8 (without a byte order mark); a failure becomes a problem and `undefined`. */
async function readText(ctx: LoadContext, file: string): Promise<string | undefined> {
  ctx.checkAborted();
  try {
    const text = await readFile(file, { encoding: 'utf8', signal: ctx.signal });
    ctx.filesRead++;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (error) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    ctx.problem('error', file, `cannot read file: ${errorMessage(error)}`);
    return undefined;
  }
}

function extension(name: string): string {
  return nodePath.extname(name).toLowerCase();
}

/** Files that are never snapshot content and never worth a warning: dotfiles and notes. */
function isIgnored(name: string): boolean {
  return name.startsWith('.') || extension(name) === '.md' || /^readme(\.|$)/i.test(name);
}

function isManifestFile(name: string): boolean {
  return ['.yaml', '.yml', '.json'].includes(extension(name));
}

// ---------------------------------------------------------------------------------------------
// Directory layout

interface FolderPart {
  /** What the folder holds, for the warning about a file that does not belong. */
  expected: string;
  accepts(name: string): boolean;
  load(ctx: LoadContext, file: string, name: string): Promise<void>;
}

const FOLDER_PARTS: Record<'aws' | 'ipamd' | 'hubble', FolderPart> = {
  aws: { expected: 'AWS CLI JSON output (describe-*.json)', accepts: (n) => extension(n) === '.json', load: loadAwsFile },
  ipamd: { expected: 'ipamd /v1/enis bodies named <node-name>.json', accepts: (n) => extension(n) === '.json', load: loadIpamdFile },
  hubble: {
    expected: '`hubble observe -o json` output (*.jsonl)',
    accepts: (n) => ['.jsonl', '.json'].includes(extension(n)),
    load: loadHubbleFile,
  },
};

async function loadDirectory(ctx: LoadContext, given: string): Promise<void> {
  let entries: DirEntry[];
  try {
    entries = await listDirectory(ctx.root);
  } catch (error) {
    throw new SnapshotError(rootErrorMessage(given, error), given);
  }
  const folders = new Map(entries.filter((e) => e.kind === 'directory').map((e) => [e.name, e.path]));
  const kubernetesDir = folders.get('kubernetes');
  if (kubernetesDir !== undefined) await loadKubernetesTree(ctx, kubernetesDir, new Set());
  await loadTopLevelFiles(ctx, entries, kubernetesDir !== undefined);
  for (const [name, part] of Object.entries(FOLDER_PARTS)) {
    const dir = folders.get(name);
    if (dir !== undefined) await loadFolderPart(ctx, dir, name, part);
  }
  if (ctx.filesRead === 0 && ctx.snapshot.problems.length === 0) {
    ctx.problem('warning', ctx.root, `nothing to load in ${ctx.root}: expected kubernetes/, aws/, ipamd/, hubble/ or YAML/JSON manifests`);
  }
}

/** Top-level YAML/JSON files are manifests, unless a `kubernetes/` folder holds them. */
async function loadTopLevelFiles(ctx: LoadContext, entries: DirEntry[], hasKubernetesDir: boolean): Promise<void> {
  for (const entry of entries) {
    if (entry.kind !== 'file' || isIgnored(entry.name) || !isManifestFile(entry.name)) continue;
    if (hasKubernetesDir) ctx.problem('warning', entry.path, 'not read: manifests are read from kubernetes/ when that folder exists');
    else await loadKubernetesFile(ctx, entry.path);
  }
}

async function loadKubernetesTree(ctx: LoadContext, dir: string, visited: Set<string>): Promise<void> {
  const real = await realpath(dir).catch(() => dir);
  if (visited.has(real)) return; // a symlink loop
  visited.add(real);
  for (const entry of await listFolder(ctx, dir)) {
    if (isIgnored(entry.name)) continue;
    if (entry.kind === 'directory') await loadKubernetesTree(ctx, entry.path, visited);
    else if (entry.kind === 'file' && isManifestFile(entry.name)) await loadKubernetesFile(ctx, entry.path);
    else ctx.problem('warning', entry.path, 'unexpected file in kubernetes/: expected *.yaml, *.yml or *.json manifests');
  }
}

async function loadFolderPart(ctx: LoadContext, dir: string, folder: string, part: FolderPart): Promise<void> {
  for (const entry of await listFolder(ctx, dir)) {
    if (isIgnored(entry.name)) continue;
    if (entry.kind === 'file' && part.accepts(entry.name)) await part.load(ctx, entry.path, entry.name);
    else ctx.problem('warning', entry.path, `unexpected ${entry.kind === 'directory' ? 'folder' : 'file'} in ${folder}/: expected ${part.expected}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes manifests

/** One parsed document, before it is checked and flattened. */
interface KubeDocument {
  value: unknown;
  line: number | undefined;
  /** Line of the i-th element of the document's `items`, when known. */
  itemLine(index: number): number | undefined;
}

async function loadKubernetesFile(ctx: LoadContext, file: string): Promise<void> {
  const text = await readText(ctx, file);
  if (text === undefined) return;
  const documents = extension(file) === '.json' ? parseJsonManifest(ctx, file, text) : parseYamlManifests(ctx, file, text);
  for (const document of documents) addKubeDocument(ctx, file, document);
}

function parseYamlManifests(ctx: LoadContext, file: string, text: string): KubeDocument[] {
  const lineCounter = new LineCounter();
  const at = (offset: number): LineColumn => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  try {
    const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, merge: true });
    return Array.from(documents).flatMap((document) => yamlDocument(ctx, file, document, at) ?? []);
  } catch (error) {
    // the parser recurses per nesting level: a deeply nested file exhausts the stack
    const why = error instanceof RangeError ? 'nesting too deep to read' : errorMessage(error);
    ctx.problem('error', file, `YAML cannot be read: ${why}`);
    return [];
  }
}

function yamlDocument(
  ctx: LoadContext,
  file: string,
  document: Document.Parsed,
  at: (offset: number) => LineColumn,
): KubeDocument | undefined {
  const error = document.errors[0]; // later errors of a document mostly follow from the first
  if (error !== undefined) {
    ctx.problem('error', file, `YAML syntax error: ${error.message}`, at(error.pos[0]));
    return undefined;
  }
  for (const warning of document.warnings) ctx.problem('warning', file, `YAML: ${warning.message}`, at(warning.pos[0]));
  let value: unknown;
  try {
    value = document.toJS();
  } catch (toJsError) {
    ctx.problem('error', file, `YAML: ${errorMessage(toJsError)}`, document.contents?.range ? at(document.contents.range[0]) : undefined);
    return undefined;
  }
  const lineOf = (node: unknown): number | undefined => {
    const offset = firstKeyOffset(node);
    return offset === undefined ? undefined : at(offset).line;
  };
  const items = isMap(document.contents) ? document.contents.get('items', true) : undefined;
  return { value, line: lineOf(document.contents), itemLine: (i) => (isSeq(items) ? lineOf(items.items[i]) : undefined) };
}

/** Offset of a mapping's first key, or of the node itself when it is not a non-empty mapping. */
function firstKeyOffset(node: unknown): number | undefined {
  if (isMap(node)) {
    const key = node.items[0]?.key;
    if (isNode(key) && key.range) return key.range[0];
  }
  return isNode(node) && node.range ? node.range[0] : undefined;
}

function parseJsonManifest(ctx: LoadContext, file: string, text: string): KubeDocument[] {
  if (text.trim() === '') return [];
  const value = parseJson(ctx, file, text);
  if (value === undefined) return [];
  return [{ value, line: jsonFirstKeyLine(text), itemLine: () => undefined }];
}

/** Line of the first key of a JSON object, found cheaply at the start of the text. */
function jsonFirstKeyLine(text: string): number | undefined {
  const open = /^\s*\{\s*"/.exec(text.slice(0, 4096));
  return open ? lineColumnAt(text, open[0].length - 1).line : undefined;
}

function addKubeDocument(ctx: LoadContext, file: string, document: KubeDocument): void {
  const { value } = document;
  if (value === null || value === undefined) return; // an empty document
  if (!isList(value)) {
    addKubeObject(ctx, file, document.line, value, 'document');
    return;
  }
  const itemDefaults = listItemDefaults(value);
  value.items.forEach((item, index) => {
    const withDefaults = isRecord(item) ? { ...itemDefaults, ...item } : item;
    addKubeObject(ctx, file, document.itemLine(index), withDefaults, `item ${index} of ${value.kind}`);
  });
}

interface KubeList {
  apiVersion?: unknown;
  kind: string;
  items: unknown[];
}

/** `kind: List`, or a typed list such as `PodList`, as `kubectl get -o yaml|json` prints them. */
function isList(value: unknown): value is KubeList {
  if (!isRecord(value) || typeof value.kind !== 'string' || !Array.isArray(value.items)) return false;
  if (value.kind === 'List') return true;
  const named = isRecord(value.metadata) && value.metadata.name !== undefined;
  return value.kind.endsWith('List') && value.kind.length > 'List'.length && !named;
}

/** Items of a typed list omit apiVersion and kind: `PodList` → kind `Pod`, apiVersion of the list. */
function listItemDefaults(list: KubeList): JsonObject {
  if (list.kind === 'List') return {};
  const defaults: JsonObject = { kind: list.kind.slice(0, -'List'.length) };
  if (typeof list.apiVersion === 'string') defaults.apiVersion = list.apiVersion;
  return defaults;
}

function addKubeObject(ctx: LoadContext, file: string, line: number | undefined, value: unknown, what: string): void {
  const at = line === undefined ? undefined : { line };
  if (!isRecord(value)) {
    ctx.problem('warning', file, `skipped ${what}: not a mapping (${describeType(value)})`, at);
    return;
  }
  const missing = missingKubeFields(value);
  if (missing.length > 0) {
    ctx.problem('warning', file, `skipped ${what}: missing ${missing.join(', ')}`, at);
    return;
  }
  ctx.snapshot.kubernetes.push({ object: value as RawKubeObject, origin: origin(ctx, file, line) });
}

function missingKubeFields(value: JsonObject): string[] {
  const missing: string[] = [];
  if (!isNonEmptyString(value.apiVersion)) missing.push('apiVersion');
  if (!isNonEmptyString(value.kind)) missing.push('kind');
  if (!isRecord(value.metadata) || !isNonEmptyString(value.metadata.name)) missing.push('metadata.name');
  return missing;
}

// ---------------------------------------------------------------------------------------------
// AWS CLI output

interface AwsKey {
  /** Top-level key of the AWS CLI output. */
  key: string;
  list: AwsList;
  /** Field that identifies an item, to merge files without duplicates. */
  id: string;
}

const AWS_KEYS: readonly AwsKey[] = [
  { key: 'NetworkInterfaces', list: 'networkInterfaces', id: 'NetworkInterfaceId' },
  { key: 'Subnets', list: 'subnets', id: 'SubnetId' },
  { key: 'RouteTables', list: 'routeTables', id: 'RouteTableId' },
  { key: 'NatGateways', list: 'natGateways', id: 'NatGatewayId' },
  { key: 'Reservations', list: 'instances', id: 'InstanceId' },
  { key: 'Vpcs', list: 'vpcs', id: 'VpcId' },
  { key: 'SecurityGroups', list: 'securityGroups', id: 'GroupId' },
];

async function loadAwsFile(ctx: LoadContext, file: string): Promise<void> {
  const text = await readText(ctx, file);
  if (text === undefined) return;
  const body = parseJson(ctx, file, text);
  if (body === undefined) return;
  if (!isRecord(body)) {
    ctx.problem('warning', file, `not AWS CLI output: expected a JSON object, got ${describeType(body)}`);
    return;
  }
  const found = AWS_KEYS.filter((k) => k.key in body);
  if (found.length === 0) {
    ctx.problem('warning', file, `not recognised: no ${AWS_KEYS.map((k) => k.key).join(', ')} key at the top level`);
    return;
  }
  for (const awsKey of found) mergeAwsList(ctx, file, awsKey, body[awsKey.key]);
  ctx.snapshot.aws.files.push(ctx.relative(file));
}

function mergeAwsList(ctx: LoadContext, file: string, awsKey: AwsKey, value: unknown): void {
  if (!Array.isArray(value)) {
    ctx.problem('warning', file, `${awsKey.key} is not a list`);
    return;
  }
  const items = awsKey.key === 'Reservations' ? value.flatMap(reservationInstances) : value;
  const seen = ctx.awsIds.get(awsKey.list) ?? new Set<string>();
  ctx.awsIds.set(awsKey.list, seen);
  for (const item of items) {
    if (!isRecord(item)) continue;
    const id = item[awsKey.id];
    if (typeof id === 'string') {
      if (seen.has(id)) continue;
      seen.add(id);
    }
    ctx.snapshot.aws[awsKey.list].push(item);
  }
}

function reservationInstances(reservation: unknown): unknown[] {
  return isRecord(reservation) && Array.isArray(reservation.Instances) ? reservation.Instances : [];
}

// ---------------------------------------------------------------------------------------------
// ipamd and Hubble

async function loadIpamdFile(ctx: LoadContext, file: string, name: string): Promise<void> {
  const text = await readText(ctx, file);
  if (text === undefined) return;
  const enis = parseJson(ctx, file, text);
  if (enis === undefined) return;
  const nodeName = name.slice(0, -extension(name).length);
  ctx.snapshot.ipamd.push({ nodeName, enis, origin: { file: ctx.relative(file) } });
}

async function loadHubbleFile(ctx: LoadContext, file: string): Promise<void> {
  const text = await readText(ctx, file);
  if (text === undefined) return;
  const where = ctx.relative(file);
  let badLines = 0;
  forEachLine(text, (line, lineNumber) => {
    const parsed = parseJsonLine(line);
    if (!parsed.ok) {
      badLines++;
      if (badLines <= MAX_LINE_PROBLEMS_PER_FILE) ctx.problem('error', file, parsed.message, { line: lineNumber, column: parsed.column });
      return;
    }
    ctx.snapshot.hubble.push({ value: parsed.value, origin: { file: where, line: lineNumber } });
  });
  if (badLines > MAX_LINE_PROBLEMS_PER_FILE) {
    ctx.problem('error', file, `${badLines - MAX_LINE_PROBLEMS_PER_FILE} more lines are not valid JSON objects`);
  }
}

/** Calls `visit` for each non-blank line (without its line break) with its 1-based number. */
function forEachLine(text: string, visit: (line: string, lineNumber: number) => void): void {
  let start = 0;
  for (let lineNumber = 1; start < text.length; lineNumber++) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    const line = text.slice(start, stop > start && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop);
    if (line.trim() !== '') visit(line, lineNumber);
    start = stop + 1;
  }
}

type JsonLineResult = { ok: true; value: JsonObject } | { ok: false; message: string; column?: number };

function parseJsonLine(line: string): JsonLineResult {
  try {
    const value: unknown = JSON.parse(line);
    if (isRecord(value)) return { ok: true, value };
    return { ok: false, message: `expected a JSON object, got ${describeType(value)}`, column: 1 };
  } catch (error) {
    const offset = jsonErrorOffset(error, line);
    return { ok: false, message: `JSON syntax error: ${errorMessage(error)}`, column: offset === undefined ? undefined : offset + 1 };
  }
}

// ---------------------------------------------------------------------------------------------
// JSON with positions

/** Parses a whole JSON file; an empty file or a syntax error becomes a problem and `undefined`. */
function parseJson(ctx: LoadContext, file: string, text: string): unknown {
  if (text.trim() === '') {
    ctx.problem('warning', file, 'empty file');
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const offset = jsonErrorOffset(error, text);
    ctx.problem('error', file, `JSON syntax error: ${errorMessage(error)}`, offset === undefined ? undefined : lineColumnAt(text, offset));
    return undefined;
  }
}

/** Offset of a JSON syntax error: from the engine's message when it has one, else by scanning. */
function jsonErrorOffset(error: unknown, text: string): number | undefined {
  const message = errorMessage(error);
  const position = /at position (\d+)/.exec(message);
  if (position) return Math.min(Number(position[1]), text.length);
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn) return offsetOfLineColumn(text, Number(lineColumn[1]), Number(lineColumn[2]));
  if (/end of JSON input/.test(message)) return text.length;
  return new JsonErrorLocator(text).locate();
}

/** 1-based line and column of `offset` in `text`. */
function lineColumnAt(text: string, offset: number): LineColumn {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function offsetOfLineColumn(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line && offset !== -1; l++) offset = text.indexOf('\n', offset) + 1 || -1;
  return offset === -1 ? text.length : Math.min(offset + column - 1, text.length);
}

class JsonStop {
  constructor(readonly offset: number) {}
}

/**
 * Finds where JSON text stops being valid, for the engine messages that carry no position
 * (`Unexpected token 'x', "…" is not valid JSON`). Only runs after `JSON.parse` has failed.
 */
class JsonErrorLocator {
  private pos = 0;

  constructor(private readonly text: string) {}

  locate(): number | undefined {
    try {
      this.value();
      this.space();
      return this.pos < this.text.length ? this.pos : undefined;
    } catch (error) {
      if (error instanceof JsonStop) return error.offset;
      return undefined; // nesting too deep for the stack: no position
    }
  }

  private value(): void {
    this.space();
    const c = this.text[this.pos];
    if (c === '{') return this.container('}', () => this.member());
    if (c === '[') return this.container(']', () => this.value());
    if (c === '"') return this.string();
    const token = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
    token.lastIndex = this.pos;
    if (!token.test(this.text)) throw new JsonStop(this.pos);
    this.pos = token.lastIndex;
  }

  private container(close: string, element: () => void): void {
    this.pos++;
    this.space();
    if (this.text[this.pos] === close) {
      this.pos++;
      return;
    }
    for (;;) {
      element();
      this.space();
      const c = this.text[this.pos];
      this.pos++;
      if (c === close) return;
      if (c !== ',') throw new JsonStop(this.pos - 1);
    }
  }

  private member(): void {
    this.space();
    if (this.text[this.pos] !== '"') throw new JsonStop(this.pos);
    this.string();
    this.space();
    if (this.text[this.pos] !== ':') throw new JsonStop(this.pos);
    this.pos++;
    this.value();
  }

  private string(): void {
    const body = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*/y;
    body.lastIndex = this.pos;
    body.test(this.text);
    this.pos = body.lastIndex;
    if (this.text[this.pos] !== '"') throw new JsonStop(this.pos);
    this.pos++;
  }

  private space(): void {
    while (/[ \t\r\n]/.test(this.text[this.pos] ?? '')) this.pos++;
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function errorCode(error: unknown): string | undefined {
  return isRecord(error) && typeof error.code === 'string' ? error.code : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
