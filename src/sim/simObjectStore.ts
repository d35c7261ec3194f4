import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { RawKubeObject } from '../core/snapshot/rawSnapshot';
import type { ResourceRegistry, SimResource } from './resourceRegistry';

export type KubeObject = RawKubeObject;

export type SimEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change of one object. `object` carries the change's resourceVersion. */
export interface SimStoreEvent {
  type: SimEventType;
  resourceVersion: number;
  object: KubeObject;
  /** MODIFIED only: the object before the change (watches with selectors need it). */
  previous?: KubeObject;
}

export type SimApplyResult = 'created' | 'updated' | 'unchanged';

export interface SimObjectStoreOptions {
  /** Events kept per resource for watches; older resourceVersions get 410 Expired. */
  historyLimit?: number;
}

type Listener = (event: SimStoreEvent) => void;

/** What a watch from a resourceVersion gets: the missed events, or nothing because they are gone. */
export type SimWatchStart = { expired: false; events: SimStoreEvent[] } | { expired: true; oldest: number };

/** One page of a list: the items, and whether more matching items follow. */
export interface SimListPage {
  items: KubeObject[];
  more: boolean;
  /** Objects of the namespace (or all) after the page, matching or not: remainingItemCount when there are no selectors. */
  remaining: number;
}

class ResourceState {
  readonly objects = new Map<string, KubeObject>();
  history: SimStoreEvent[] = [];
  /** Watches and continue tokens from a resourceVersion below this are expired. */
  floor = 0;
  readonly listeners = new Set<Listener>();
  private sortedKeys: string[] | undefined;

  keys(): string[] {
    return (this.sortedKeys ??= [...this.objects.keys()].sort());
  }

  sorted(): KubeObject[] {
    return this.keys().map((key) => this.objects.get(key)!);
  }

  /**
   * Up to `limit` (0: all) matching objects with a key after `after`, within `namespace` when given;
   * a binary search finds the start, so a page costs what it returns, not the size of the list.
   */
  page(after: string | undefined, namespace: string | undefined, limit: number, matches: (obj: KubeObject) => boolean): SimListPage {
    const keys = this.keys();
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    let from = after ?? '';
    if (prefix !== undefined && from < prefix) from = prefix;
    let i = after === undefined && prefix === undefined ? 0 : upperBound(keys, from, after !== undefined && from === after);
    const items: KubeObject[] = [];
    let more = false;
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      if (prefix !== undefined && !key.startsWith(prefix)) break;
      const obj = this.objects.get(key)!;
      if (!matches(obj)) continue;
      if (limit > 0 && items.length === limit) {
        more = true;
        break;
      }
      items.push(obj);
    }
    const end = prefix === undefined ? keys.length : upperBound(keys, `${namespace}0`, false); // '0' follows '/'
    return { items, more, remaining: more ? end - i : 0 };
  }

  invalidateOrder(): void {
    this.sortedKeys = undefined;
  }
}

/**
 * The objects of the simulated cluster: one global, increasing integer resourceVersion, a bounded
 * event history per resource for watches, and the mutations tests and scenarios use.
 * Stored objects are never mutated in place: every change stores a new copy.
 */
export class SimObjectStore {
  private rv = 0;
  private readonly states = new Map<SimResource, ResourceState>();
  private readonly historyLimit: number;
  private readonly serialized = new WeakMap<KubeObject, string>();

  constructor(
    readonly registry: ResourceRegistry,
    opts: SimObjectStoreOptions = {},
  ) {
    this.historyLimit = opts.historyLimit ?? 10_000;
  }

  /** The newest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.rv;
  }

  /**
   * Creates or replaces an object (ADDED or MODIFIED). Assigns resourceVersion, and uid and
   * creationTimestamp when missing (kept from the stored copy on replace). An object equal to the
   * stored one changes nothing. Throws when the kind is not one the simulated cluster can serve.
   * The input is copied unless `adopt` is set.
   */
  apply(input: KubeObject, opts: { adopt?: boolean } = {}): { result: SimApplyResult; object: KubeObject; resource: SimResource } {
    const resource = this.resourceOf(input);
    const state = this.state(resource);
    const namespace = resource.namespaced ? input.metadata.namespace || 'default' : undefined;
    const key = objectKey(namespace, input.metadata.name);
    const previous = state.objects.get(key);
    // `adopt`: the caller hands the object over and never changes it (a freshly loaded snapshot),
    // so its nested parts are shared instead of copied
    const clone = opts.adopt ? <T>(v: T): T => v : structuredClone;
    const metadata: KubeObject['metadata'] = { ...clone(input.metadata) };
    if (namespace) metadata.namespace = namespace;
    else delete metadata.namespace;
    metadata.uid = previous?.metadata.uid ?? metadata.uid ?? randomUUID();
    metadata.creationTimestamp = previous?.metadata.creationTimestamp ?? metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const object: KubeObject = { ...clone(input), apiVersion: resource.groupVersion, kind: resource.kind, metadata };
    if (previous) {
      metadata.resourceVersion = previous.metadata.resourceVersion;
      if (isDeepStrictEqual(previous, object)) return { result: 'unchanged', object: previous, resource };
    }
    metadata.resourceVersion = String(++this.rv);
    state.objects.set(key, object);
    this.registry.markInstalled(resource);
    if (!previous) state.invalidateOrder();
    this.emit(state, { type: previous ? 'MODIFIED' : 'ADDED', resourceVersion: this.rv, object, previous });
    return { result: previous ? 'updated' : 'created', object, resource };
  }

  /**
   * Deletes an object (DELETED, carrying a new resourceVersion). `resource` is a plural, a
   * `plural.group`, a kind or a short name. Returns the deleted object, or undefined if absent.
   */
  delete(resource: string | SimResource, namespace: string | undefined, name: string): KubeObject | undefined {
    const res = typeof resource === 'string' ? this.registry.lookup(resource) : resource;
    if (!res) throw new Error(`unknown resource "${String(resource)}"`);
    const state = this.states.get(res);
    const key = objectKey(res.namespaced ? namespace || 'default' : undefined, name);
    const existing = state?.objects.get(key);
    if (!state || !existing) return undefined;
    state.objects.delete(key);
    state.invalidateOrder();
    const object = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.rv) } };
    this.emit(state, { type: 'DELETED', resourceVersion: this.rv, object });
    return object;
  }

  /**
   * Forgets all event history: every resourceVersion handed out so far becomes too old for a watch
   * or a continue token (410 Expired). Returns the resourceVersion a new list starts from.
   */
  compact(): number {
    this.rv++;
    for (const state of this.states.values()) {
      state.history = [];
      state.floor = this.rv;
    }
    return this.rv;
  }

  get(resource: SimResource, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.states.get(resource)?.objects.get(objectKey(resource.namespaced ? namespace : undefined, name));
  }

  /** All objects of a resource, ordered by namespace then name. */
  list(resource: SimResource): KubeObject[] {
    return this.states.get(resource)?.sorted() ?? [];
  }

  /** One page of a list, ordered by namespace then name (see `ResourceState.page`). */
  page(resource: SimResource, opts: { after?: string; namespace?: string; limit: number; matches: (obj: KubeObject) => boolean }): SimListPage {
    return this.states.get(resource)?.page(opts.after, opts.namespace, opts.limit, opts.matches) ?? { items: [], more: false, remaining: 0 };
  }

  /**
   * The object as JSON without `kind` and `apiVersion` (the form items of built-in lists take),
   * serialized once per stored version: stored objects never change in place.
   */
  bodyJson(obj: KubeObject): string {
    let json = this.serialized.get(obj);
    if (json === undefined) {
      const { kind: _kind, apiVersion: _apiVersion, ...rest } = obj;
      json = JSON.stringify(rest);
      this.serialized.set(obj, json);
    }
    return json;
  }

  /** The whole object as JSON, from the cached body. */
  objectJson(obj: KubeObject): string {
    const body = this.bodyJson(obj);
    return `{"apiVersion":${JSON.stringify(obj.apiVersion)},"kind":${JSON.stringify(obj.kind)}${body.length > 2 ? ',' : ''}${body.slice(1)}`;
  }

  /** resourceVersions below this are expired for the resource. */
  floor(resource: SimResource): number {
    return this.states.get(resource)?.floor ?? 0;
  }

  /**
   * Starts a watch after resourceVersion `from`: returns the events since then (or expired) and
   * subscribes `listener` to the later ones. Call the returned `stop` when the watch ends.
   */
  watch(resource: SimResource, from: number, listener: Listener): { start: SimWatchStart; stop: () => void } {
    const state = this.state(resource);
    if (from < state.floor) return { start: { expired: true, oldest: state.floor }, stop: () => {} };
    const events = state.history.filter((e) => e.resourceVersion > from);
    state.listeners.add(listener);
    return { start: { expired: false, events }, stop: () => state.listeners.delete(listener) };
  }

  /** Resolves the resource of an object; throws a readable error when it cannot be served. */
  resourceOf(obj: KubeObject): SimResource {
    if (!obj || typeof obj !== 'object' || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      throw new Error('object needs apiVersion and kind');
    }
    if (!obj.metadata || typeof obj.metadata.name !== 'string' || !obj.metadata.name) {
      throw new Error(`${obj.kind} needs metadata.name`);
    }
    const resource = this.registry.forObject(obj.apiVersion, obj.kind, Boolean(obj.metadata.namespace));
    if (!resource) throw new Error(`${obj.apiVersion} ${obj.kind} is not a kind the simulated cluster serves`);
    return resource;
  }

  private state(resource: SimResource): ResourceState {
    let state = this.states.get(resource);
    if (!state) {
      state = new ResourceState();
      this.states.set(resource, state);
    }
    return state;
  }

  private emit(state: ResourceState, event: SimStoreEvent): void {
    state.history.push(event);
    if (state.history.length > this.historyLimit) {
      const dropped = state.history.splice(0, state.history.length - this.historyLimit);
      state.floor = Math.max(state.floor, dropped[dropped.length - 1]!.resourceVersion);
    }
    for (const listener of [...state.listeners]) listener(event);
  }
}

/** First index whose key is after `key` (`strict`) or at or after it. */
function upperBound(keys: readonly string[], key: string, strict: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (k < key || (strict && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
