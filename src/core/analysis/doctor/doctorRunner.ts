/**
 * The doctor's latest report for one store, kept up to date off the caller's turn: a view asks for
 * the report as it builds its row, gets the last one finished (or none yet), and is called back when
 * a newer one is ready. One run at a time: a run that the store changed under is superseded by a new
 * one when the report is next asked for, so runs never pile up; so that a cluster that never stops
 * changing still gets reports, a run superseded `maxSuperseded` times in a row is left to finish.
 * A run starts no sooner after the last one than `costFactor` times the time the last one spent
 * working: under churn the doctor takes at most a sixth of the event loop's time (with the default 5).
 */
import type { SourceStatus } from '../../model';
import type { ClusterStore, StoreKind } from '../../store/clusterStore';
import { runDoctorAsync } from './runDoctor';
import type { DoctorReport } from './types';
import { perStore } from '../../store/perStore';
import { notifyWaiting } from '../../store/notifyWaiting';

/** Kinds no check reads: their changes leave the report as it is. */
const NOT_READ: ReadonlySet<StoreKind> = new Set(['endpointSlice', 'ciliumIdentity']);

export interface DoctorRunnerOptions {
  /** Milliseconds of doctor work per turn of the event loop (see `runDoctorAsync`). */
  sliceMs?: number;
  /** Runs superseded in a row after which the next run finishes whatever changes (default 2). */
  maxSuperseded?: number;
  /** The least wait after a run, as a multiple of the time it worked (default 5). */
  costFactor?: number;
}

export interface DoctorSnapshot {
  /** The last report finished; undefined until the first run ends. */
  report?: DoctorReport;
  /** Whether `report` was computed from the store and sources as they are now. */
  current: boolean;
}

interface Run {
  version: number;
  sourcesKey: string;
  abort: AbortController;
  /** Runs superseded in a row before this one. */
  superseded: number;
  work: { ms: number; turns: number };
}

export class DoctorRunner {
  /** Store changes seen (of kinds the checks read). */
  private version = 0;
  private last: { report: DoctorReport; version: number; sourcesKey: string } | undefined;
  private running: Run | undefined;
  /** No run starts before this time (`performance.now()`). */
  private notBefore = 0;
  private delayed: { timer: ReturnType<typeof setTimeout>; sources: readonly SourceStatus[]; key: string; superseded: number } | undefined;
  private readonly waiting = new Set<() => void>();
  private readonly subscription: { dispose(): void };
  private disposed = false;
  /** Runs started, finished and superseded (for tests and the benchmark). */
  readonly stats = { started: 0, finished: 0, superseded: 0 };

  constructor(
    private readonly store: ClusterStore,
    private readonly options: DoctorRunnerOptions = {},
  ) {
    this.subscription = store.onChange((changes) => {
      if (changes.some((c) => !NOT_READ.has(c.kind))) this.version++;
    });
  }

  /**
   * The last report, and whether it is current. When it is not (or there is none), a run starts
   * unless one is already computing the present state; `onReport` is called once, on a later turn,
   * when a newer report is ready.
   */
  latest(sources: readonly SourceStatus[], onReport?: () => void): DoctorSnapshot {
    const key = sourcesKey(sources);
    const current = this.last !== undefined && this.last.version === this.version && this.last.sourcesKey === key;
    if (!current && !this.disposed) {
      if (onReport) this.waiting.add(onReport);
      this.start(sources, key);
    }
    return { ...(this.last ? { report: this.last.report } : {}), current };
  }

  /** Stops the run in progress and listens no more. */
  dispose(): void {
    this.disposed = true;
    this.subscription.dispose();
    this.running?.abort.abort();
    this.running = undefined;
    if (this.delayed) clearTimeout(this.delayed.timer);
    this.delayed = undefined;
    this.waiting.clear();
  }

  private start(sources: readonly SourceStatus[], key: string): void {
    const running = this.running;
    let superseded = this.delayed?.superseded ?? 0;
    if (running) {
      // already computing the present state
      if (running.version === this.version && running.sourcesKey === key) return;
      // superseded too often in a row: let it finish; its report asks for the next run
      if (running.superseded >= (this.options.maxSuperseded ?? 2)) return;
      running.abort.abort();
      this.running = undefined;
      this.stats.superseded++;
      superseded = running.superseded + 1;
      this.ranFor(running);
    }
    const wait = this.notBefore - performance.now();
    if (wait > 0) {
      // the last run's cost is not paid off yet: start later, with what is asked for then
      if (this.delayed) this.delayed = { ...this.delayed, sources, key, superseded };
      else this.delayed = { timer: setTimeout(() => this.startDelayed(), wait), sources, key, superseded };
      return;
    }
    this.run(sources, key, superseded);
  }

  private startDelayed(): void {
    const delayed = this.delayed;
    this.delayed = undefined;
    if (delayed && !this.disposed) this.run(delayed.sources, delayed.key, delayed.superseded);
  }

  private ranFor(run: Run): void {
    this.notBefore = performance.now() + (this.options.costFactor ?? 5) * run.work.ms;
  }

  private run(sources: readonly SourceStatus[], key: string, superseded: number): void {
    const run: Run = { version: this.version, sourcesKey: key, abort: new AbortController(), superseded, work: { ms: 0, turns: 0 } };
    this.running = run;
    this.stats.started++;
    const control = { signal: run.abort.signal, work: run.work, ...(this.options.sliceMs !== undefined ? { sliceMs: this.options.sliceMs } : {}) };
    runDoctorAsync(this.store, { sources: [...sources] }, control).then(
      (report) => {
        if (this.running !== run) return;
        this.running = undefined;
        this.ranFor(run);
        this.stats.finished++;
        this.last = { report, version: run.version, sourcesKey: run.sourcesKey };
        notifyWaiting(this.waiting);
      },
      () => {
        // aborted (superseded or disposed): the run that replaced it reports
        if (this.running === run) this.running = undefined;
      },
    );
  }
}

function sourcesKey(sources: readonly SourceStatus[]): string {
  return JSON.stringify(sources.map((s) => [s.name, s.state, s.detail ?? '']));
}

/** The runner of `store` (one per store, made on first use). */
export const doctorRunnerFor = perStore((store) => new DoctorRunner(store));
