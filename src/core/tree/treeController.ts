/**
 * The editor-independent half of a CNI Lens tree view: hands out rows (one object per row id, kept
 * across rebuilds so the editor can refresh a row by the object it holds), applies the filter,
 * answers getParent/findNode for reveal, and turns store changes into a debounced refresh of only
 * the rows they touch, or of the whole tree when its top level changes. A model can set the least
 * time between two refreshes (the Cluster view's rows run the doctor): changes wait and go together.
 * A row whose content comes later (the doctor's report) asks for its own refresh (`refreshRow`),
 * which goes with the next refresh.
 */
import type { ClusterSession } from '../sources/clusterSession';
import type { StoreChange } from '../store/clusterStore';
import { WorkSlices } from '../sources/eventLoopTurns';
import { filterWalk, type FilterMatch } from './treeFilter';
import { sourceRows, type TreeInput, type TreeModel } from './treeModels';
import { messageRow, type TreeRow } from './treeRow';

/** What a tree reads of a session: its store, its sources, what it is and how it is doing. */
export type TreeSession = Pick<ClusterSession, 'store' | 'sources' | 'label' | 'describe' | 'target' | 'state'> & Partial<Pick<ClusterSession, 'ipamd'>>;

export interface TreeSessions {
  /** The current session, started on first use; undefined when nothing is connected. */
  ensureStarted(): TreeSession | undefined;
}

/** `undefined`: the whole tree; otherwise these rows (objects handed out before) and their children. */
export type TreeRefresh = readonly TreeRow[] | undefined;

export interface TreeControllerOptions {
  debounceMs?: number;
  /** More affected rows than this refresh the whole tree instead. */
  maxRowsPerRefresh?: number;
  /** Milliseconds the filter looks through rows before the first answer, then per turn (default 20, then 8). */
  filterFirstMs?: number;
  filterSliceMs?: number;
}

const ROOT = '';

export class TreeController {
  private readonly rows = new Map<string, TreeRow>();
  private readonly parents = new Map<string, string>();
  private readonly childIds = new Map<string, string[]>();
  private filterText = '';
  /** The filter's answer (for `filterText`; may be older than the store while a new one is found). */
  private filterMatch: FilterMatch | undefined;
  /** The search under way: superseded by a new filter or a newer search. */
  private filterRun = 0;
  private filterRunning: Promise<void> | undefined;
  /** The store changed since the filter's answer was found: look again (no sooner than `filterNotBefore`). */
  private filterStale = false;
  private filterNotBefore = 0;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;
  /** Resolves when the timer of the next search fires (or is dropped). */
  private filterWaiting: Promise<void> | undefined;
  private filterWaited: (() => void) | undefined;
  private subscribed: TreeSession | undefined;
  private subscription: { dispose(): void } | undefined;
  private pending: StoreChange[] = [];
  /** Row ids a model asked to refresh. */
  private requested = new Set<string>();
  private pendingAll = false;
  private disposed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFired = -Infinity;
  /** Milliseconds spent building rows since the last refresh fired: what that refresh cost. */
  private builtMs = 0;
  private readonly debounceMs: number;
  private readonly maxRows: number;

  constructor(
    private readonly model: TreeModel,
    private readonly sessions: TreeSessions,
    private readonly onRefresh: (refresh: TreeRefresh) => void,
    private readonly options: TreeControllerOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 150;
    this.maxRows = options.maxRowsPerRefresh ?? 500;
  }

  get filter(): string {
    return this.filterText;
  }

  /**
   * Filter of this tree: a row shows when it, an ancestor or a descendant matches (name, IP,
   * label). The rows are looked through in steps: a large tree shows "Filtering…" until then.
   */
  setFilter(text: string): void {
    this.filterText = text.trim().toLowerCase();
    this.filterMatch = undefined;
    this.filterStale = false;
    this.dropFilterTimer();
    if (this.filterText) this.searchFilter(true);
    else {
      this.filterRun++;
      this.filterRunning = undefined;
    }
    this.fire(undefined);
  }

  /** Resolves when the filter's search under way (if any) has its answer. */
  async whenFiltered(): Promise<void> {
    for (;;) {
      if (this.filterRunning) await this.filterRunning;
      else if (this.filterWaiting) await this.filterWaiting;
      else return;
    }
  }

  /**
   * Looks for the filter's rows: a first step now (a small tree is answered at once), the rest in
   * steps on later turns. A search that finds other rows than the answer before refreshes the tree.
   */
  private searchFilter(first: boolean): void {
    const run = ++this.filterRun;
    const text = this.filterText;
    const input = this.rootInput(true);
    let walk: Generator<void, FilterMatch>;
    try {
      walk = filterWalk(input ? this.model.roots(input) : [], text);
    } catch {
      walk = filterWalk([], text);
    }
    let workMs = 0;
    const step = (ms: number): FilterMatch | undefined => {
      const started = performance.now();
      const slices = new WorkSlices(undefined, { ms });
      try {
        for (;;) {
          const next = walk.next();
          if (next.done) return next.value;
          if (slices.due()) return undefined;
        }
      } finally {
        workMs += performance.now() - started;
      }
    };
    /** Takes `match` as the answer; the answer it replaces. */
    const settle = (match: FilterMatch): FilterMatch | undefined => {
      const before = this.filterMatch;
      this.filterMatch = match;
      this.filterRunning = undefined;
      // under churn a search costs at most a sixth of the host's time
      this.filterNotBefore = performance.now() + 5 * workMs;
      return before;
    };
    // answered at once: the caller's refresh shows it
    const done = first ? step(this.options.filterFirstMs ?? 20) : undefined;
    if (done) return void settle(done);
    const finish = (match: FilterMatch): void => {
      const before = settle(match);
      // a first answer replaces "Filtering…"; a later one refreshes only when other rows show
      if (!first && before && sameSet(before.visible, match.visible) && sameSet(before.matched, match.matched)) return;
      this.fire(undefined);
    };
    this.filterRunning = (async () => {
      for (;;) {
        await new WorkSlices().pause();
        if (run !== this.filterRun || this.disposed) return;
        const match = step(this.options.filterSliceMs ?? 8);
        if (match) return finish(match);
      }
    })();
  }

  /** The store changed under a filter: look again once the last search's cost allows. */
  private filterAgain(): void {
    if (!this.filterText || this.filterTimer || this.disposed) return;
    if (this.filterRunning) {
      this.filterStale = true;
      return;
    }
    this.filterStale = false;
    const wait = Math.max(0, this.filterNotBefore - performance.now());
    this.filterWaiting = new Promise((resolve) => (this.filterWaited = resolve));
    this.filterTimer = setTimeout(() => {
      if (this.filterText && !this.disposed) {
        this.searchFilter(false);
        void this.filterRunning?.then(() => {
          if (this.filterStale) this.filterAgain();
        });
      }
      this.dropFilterTimer();
    }, wait);
  }

  private dropFilterTimer(): void {
    clearTimeout(this.filterTimer);
    this.filterTimer = undefined;
    this.filterWaiting = undefined;
    this.filterWaited?.();
    this.filterWaited = undefined;
  }

  /** A row handed out before is to be built again (its content is ready): refreshed with the next refresh. */
  readonly refreshRow = (id: string): void => {
    if (this.disposed) return;
    this.requested.add(id);
    this.schedule();
  };

  /** The session changed or its state did: rebuild everything (debounced). */
  refreshAll(): void {
    this.pendingAll = true;
    this.schedule();
    this.filterAgain();
  }

  getChildren(parent?: TreeRow): TreeRow[] {
    const started = performance.now();
    try {
      return this.children(parent);
    } finally {
      this.builtMs += performance.now() - started;
    }
  }

  private children(parent?: TreeRow): TreeRow[] {
    const parentId = parent?.id ?? ROOT;
    const fresh = this.build(parent);
    const kept = fresh.map((row) => this.intern(row, parentId));
    const before = this.childIds.get(parentId);
    const now = kept.map((r) => r.id);
    if (before) {
      const still = new Set(now);
      for (const id of before) if (!still.has(id)) this.forget(id);
    }
    this.childIds.set(parentId, now);
    return kept;
  }

  getParent(row: TreeRow): TreeRow | undefined {
    const parentId = this.parents.get(row.id);
    return parentId ? this.rows.get(parentId) : undefined;
  }

  /** Finds a row by id, expanding rows breadth-first down to `maxDepth` (for reveal). */
  findNode(id: string, maxDepth = 3): TreeRow | undefined {
    let level = this.getChildren();
    const path = this.pathTo(id);
    if (path) {
      // straight down the rows above it: no other row of a large tree is built
      for (const above of path) {
        const row = level.find((n) => n.id === above);
        if (!row?.children) return undefined;
        level = this.getChildren(row);
      }
      return level.find((n) => n.id === id);
    }
    for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
      const hit = level.find((n) => n.id === id);
      if (hit) return hit;
      level = level.flatMap((n) => (n.children ? this.getChildren(n) : []));
    }
    return undefined;
  }

  private pathTo(id: string): string[] | undefined {
    const store = this.subscribed?.store ?? this.sessions.ensureStarted()?.store;
    if (!store || !this.model.pathTo) return undefined;
    try {
      return this.model.pathTo(store, id);
    } catch {
      return undefined;
    }
  }

  /** Runs a pending refresh now (tests, and before disposing). */
  flush(): void {
    const started = performance.now();
    try {
      this.refreshNow();
    } finally {
      this.builtMs += performance.now() - started;
    }
  }

  private refreshNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const changes = this.pending;
    const all = this.pendingAll;
    const requested = this.requested;
    this.pending = [];
    this.requested = new Set();
    this.pendingAll = false;
    if (all) return this.fire(undefined);
    if (changes.length === 0 && requested.size === 0) return;
    const session = this.subscribed;
    if (!session) return this.fire(undefined);
    let affected: ReturnType<TreeModel['affected']> = new Set();
    try {
      if (changes.length > 0) affected = this.model.affected(session.store, changes);
    } catch {
      affected = 'all';
    }
    if (affected === 'all') return this.fire(undefined);
    const refresh = this.resolve(requested.size === 0 ? affected : new Set([...affected, ...requested]));
    if (refresh === undefined) return this.fire(undefined);
    if (refresh.length > 0) this.fire(refresh);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.dropFilterTimer();
    this.subscription?.dispose();
  }

  // ------------------------------------------------------------ internals

  private fire(refresh: TreeRefresh): void {
    this.lastFired = performance.now();
    this.builtMs = 0;
    try {
      this.onRefresh(refresh);
    } catch {
      // the editor's failure to refresh must not break the next refresh
    }
  }

  /**
   * A refresh after the debounce, and no sooner after the last one than the model's least interval
   * and five times what building the rows of the last one took: under churn a view whose rows are
   * costly (a namespace of 10,000 pods, the doctor's checks) takes at most a sixth of the host's time.
   */
  private schedule(): void {
    if (this.timer) return;
    const interval = Math.max(this.model.minRefreshIntervalMs ?? 0, 5 * this.builtMs);
    this.timer = setTimeout(() => this.flush(), Math.max(this.debounceMs, this.lastFired + interval - performance.now()));
  }

  private subscribe(session: TreeSession): void {
    if (this.subscribed === session) return;
    this.subscription?.dispose();
    this.subscribed = session;
    this.subscription = session.store.onChange((changes) => {
      if (!this.pendingAll) this.pending.push(...changes);
      if (this.pending.length > 10_000) {
        this.pending = [];
        this.pendingAll = true;
      }
      this.schedule();
      this.filterAgain();
    });
  }

  /**
   * The handed-out rows to refresh for `ids`, updated in place from a fresh build of their
   * parents' children; a row that is gone refreshes its parent instead. Rows under another row of
   * the set are left out (refreshing a row refreshes its children). Undefined: refresh everything.
   */
  private resolve(ids: ReadonlySet<string>): TreeRow[] | undefined {
    const targets = new Set<string>();
    const freshByParent = new Map<string, Map<string, TreeRow>>();
    const freshChildren = (parentId: string): Map<string, TreeRow> => {
      let map = freshByParent.get(parentId);
      if (!map) {
        map = new Map(this.build(parentId === ROOT ? undefined : this.rows.get(parentId)).map((r) => [r.id, r]));
        freshByParent.set(parentId, map);
      }
      return map;
    };
    // parents first: a row's fresh build comes from its parent's current children
    const queue = [...ids].filter((id) => this.rows.has(id)).sort((a, b) => this.depth(a) - this.depth(b));
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i] as string;
      if (targets.has(id)) continue;
      const parentId = this.parents.get(id) ?? ROOT;
      if (parentId !== ROOT && !this.rows.has(parentId)) continue;
      const known = this.rows.get(id) as TreeRow;
      // one row alone when it can build itself (with a filter, its parent decides whether it shows)
      const fresh = known.rebuild && !this.filterText && !freshByParent.has(parentId) ? known.rebuild() : freshChildren(parentId).get(id);
      if (!fresh) {
        if (parentId === ROOT) return undefined;
        queue.push(parentId);
        continue;
      }
      assignInPlace(known, fresh);
      targets.add(id);
      if (targets.size > this.maxRows) return undefined;
    }
    const out: TreeRow[] = [];
    for (const id of targets) {
      let ancestor = this.parents.get(id);
      let covered = false;
      while (ancestor && !covered) {
        covered = targets.has(ancestor);
        ancestor = this.parents.get(ancestor);
      }
      if (!covered) out.push(this.rows.get(id) as TreeRow);
    }
    return out;
  }

  private depth(id: string): number {
    let depth = 0;
    for (let p = this.parents.get(id); p; p = this.parents.get(p)) depth++;
    return depth;
  }

  /** Keeps one object per id: a row built again updates the object handed out before. */
  private intern(row: TreeRow, parentId: string): TreeRow {
    const known = this.rows.get(row.id);
    this.parents.set(row.id, parentId);
    if (!known) {
      this.rows.set(row.id, row);
      return row;
    }
    if (known !== row) assignInPlace(known, row);
    return known;
  }

  private forget(id: string): void {
    for (const child of this.childIds.get(id) ?? []) this.forget(child);
    this.childIds.delete(id);
    this.rows.delete(id);
    this.parents.delete(id);
  }

  /** The rows under `parent` (the top level when undefined), filtered, not yet interned. */
  private build(parent: TreeRow | undefined): TreeRow[] {
    try {
      if (parent) return this.applyFilter(parent.children?.() ?? [], parent);
      return this.buildRoots();
    } catch (err) {
      return [messageRow(`${parent?.id ?? 'root'}/error`, `Cannot show this: ${(err as Error)?.message ?? String(err)}`, 'error')];
    }
  }

  /**
   * What the model's top level is built from; undefined when nothing is connected. For the
   * filter's search, without what reads more when a row is expanded (ipamd of a node): the search
   * expands every row, the user did not.
   */
  private rootInput(forSearch = false): TreeInput | undefined {
    const session = this.sessions.ensureStarted();
    if (!session) return undefined;
    return {
      store: session.store,
      sources: session.sources,
      label: session.label || session.describe(),
      offline: session.target.kind === 'snapshot',
      phase: session.state.phase,
      ...(session.state.detail ? { detail: session.state.detail } : {}),
      refreshRow: this.refreshRow,
      ...(session.ipamd && !forSearch ? { ipamd: session.ipamd } : {}),
    };
  }

  private buildRoots(): TreeRow[] {
    const session = this.sessions.ensureStarted();
    if (!session) {
      return this.model.showsDisconnectedMessage
        ? [messageRow('none', 'No cluster connected', 'debug-disconnect', 'Select a kube context, open a snapshot or connect to the demo cluster from the Cluster view.')]
        : [];
    }
    this.subscribe(session);
    const phase = session.state.phase;
    if (phase === 'error') return [messageRow('error', `Cannot load ${session.describe()}`, 'error', session.state.detail)];
    const sources = sourceRows(session.sources, this.model.sourcesShown);
    if (this.filterText && !this.filterMatch) return [...sources, messageRow('filtering', `Filtering for "${this.filterText}"…`, 'loading~spin')];
    const rows = [...sources, ...this.applyFilter(this.model.roots(this.rootInput() as TreeInput), undefined)];
    if (this.filterText && rows.length === 0) return [messageRow('no-match', `Nothing matches "${this.filterText}"`, 'filter')];
    if (rows.length === 0 && (phase === 'connecting' || phase === 'unreachable')) {
      return [messageRow('loading', phase === 'connecting' ? `Loading ${session.describe()}…` : `Cannot reach ${session.describe()}: ${session.state.detail ?? ''}`, phase === 'connecting' ? 'loading~spin' : 'warning')];
    }
    return rows;
  }

  /**
   * Under a filter: all of `rows` when their parent or a row above it matched, else the rows the
   * filter's answer shows (a row the answer has not seen yet, new since, waits for the next one).
   */
  private applyFilter(rows: TreeRow[], parent: TreeRow | undefined): TreeRow[] {
    const match = this.filterMatch;
    if (!this.filterText) return rows;
    if (!match) return [];
    for (let id: string | undefined = parent?.id; id; id = this.parents.get(id)) if (match.matched.has(id)) return rows;
    return rows.filter((row) => match.visible.has(row.id));
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const v of a) if (!b.has(v)) return false;
  return true;
}

/** Makes `target` carry exactly `source`'s fields, keeping `target`'s identity. */
function assignInPlace(target: TreeRow, source: TreeRow): void {
  if (target === source) return;
  for (const key of Object.keys(target) as Array<keyof TreeRow>) if (!(key in source)) delete target[key];
  Object.assign(target, source);
}
