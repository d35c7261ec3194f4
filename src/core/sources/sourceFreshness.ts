/**
 * How fresh a live session's data is, in words: the Sources rows of the Cluster view, the status
 * bar and the CLI all say it the same way. A resource whose watch broke is `stale` from the moment
 * it broke until its watch is open again; nothing is called `ok` that is not being watched.
 */
import type { SourceStatus } from '../model';
import type { InformerState } from './kubeInformer';

/** `13:20:05`: local wall-clock time of an epoch-ms instant. */
export function clockTime(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** `now`, `in 4 s`, `in 2 min`. */
export function inDuration(ms: number): string {
  if (ms <= 0) return 'now';
  if (ms < 1000) return 'in <1 s';
  if (ms < 120_000) return `in ${Math.round(ms / 1000)} s`;
  return `in ${Math.round(ms / 60_000)} min`;
}

type Reconnecting = Extract<InformerState, { phase: 'reconnecting' }>;

/** `reconnecting, attempt 2, next in 4 s` (or `relisting`). */
export function retryText(state: InformerState, now: number): string {
  if (state.phase === 'listing') return 'relisting';
  if (state.phase !== 'reconnecting') return '';
  const next = state.retryInMs === 0 || state.retryAt <= now ? 'retrying now' : `next ${inDuration(state.retryAt - now)}${state.retryAfter ? ' (as the server asked)' : ''}`;
  return `reconnecting, attempt ${state.attempt}, ${next}`;
}

/** Whether the informer holds data that may be out of date. */
export function isStale(state: InformerState): boolean {
  return (state.phase === 'reconnecting' && state.hadData) || (state.phase === 'listing' && state.staleSince !== undefined);
}

/** The Sources row of one resource that is not simply synced. */
export function informerSourceStatus(name: string, state: InformerState, now = Date.now()): SourceStatus {
  switch (state.phase) {
    case 'synced':
      return { name, state: 'ok', detail: `${state.items} objects, watched` };
    case 'forbidden':
      return { name, state: 'forbidden', detail: state.message };
    case 'missing':
      return { name, state: 'missing', detail: state.message };
    case 'listing':
      return state.staleSince !== undefined
        ? { name, state: 'stale', detail: `since ${clockTime(state.staleSince)} (relisting: the watch's resourceVersion expired)` }
        : { name, state: 'loading' };
    case 'reconnecting':
      return state.hadData
        ? { name, state: 'stale', detail: `since ${clockTime(state.staleSince)} (${retryText(state, now)}): ${state.error}` }
        : { name, state: 'error', detail: `not loaded (${retryText(state, now)}): ${state.error}` };
    case 'stopped':
      return { name, state: 'error', detail: 'stopped' };
  }
}

/**
 * One line for the resources that are listed and watched, one per resource that is not. The head
 * line is `ok` only when every resource that can be read is being watched.
 */
export function kubernetesSourceStatus(states: ReadonlyMap<string, InformerState>, opts: { now?: number; timedOutAfterMs?: number } = {}): SourceStatus[] {
  const now = opts.now ?? Date.now();
  let ok = 0;
  let objects = 0;
  const others: SourceStatus[] = [];
  const stale: InformerState[] = [];
  let failing = 0;
  for (const [id, state] of states) {
    if (state.phase === 'synced') {
      ok++;
      objects += state.items;
      continue;
    }
    if (isStale(state)) stale.push(state);
    else if (state.phase === 'reconnecting') failing++;
    others.push(informerSourceStatus(`kubernetes ${id}`, state, now));
  }
  let head: SourceStatus;
  if (stale.length > 0) {
    const since = Math.min(...stale.map((s) => (s.phase === 'reconnecting' || s.phase === 'listing' ? (s.staleSince ?? now) : now)));
    const reconnecting = stale.find((s): s is Reconnecting => s.phase === 'reconnecting');
    const how = reconnecting ? retryText(reconnecting, now) : 'relisting';
    head = { name: 'kubernetes', state: 'stale', detail: `${stale.length} of ${states.size} resources stale since ${clockTime(since)} (${how}); ${objects} objects from ${ok} resources watched` };
  } else if (ok === 0 && failing > 0) {
    head = { name: 'kubernetes', state: 'error', detail: `no resource could be listed yet (retrying)` };
  } else {
    head = { name: 'kubernetes', state: ok > 0 ? 'ok' : 'error', detail: `${objects} objects from ${ok} resources listed and watched` };
  }
  if (opts.timedOutAfterMs !== undefined) head.detail += `; not every resource was listed within ${Math.round(opts.timedOutAfterMs / 1000)} s`;
  return [head, ...others];
}

export interface SessionFreshness {
  phase: 'connected' | 'reconnecting' | 'unreachable';
  detail?: string;
}

/** The session's phase from its informers: stale data is `reconnecting`, no data at all is `unreachable`. */
export function sessionFreshness(states: Iterable<InformerState>, now = Date.now()): SessionFreshness {
  const all = [...states];
  const stale = all.filter(isStale);
  const failing = all.filter((s): s is Reconnecting => s.phase === 'reconnecting' && !s.hadData);
  const synced = all.filter((s) => s.phase === 'synced').length;
  if (stale.length > 0) {
    const since = Math.min(...stale.map((s) => (s.phase === 'reconnecting' || s.phase === 'listing' ? (s.staleSince ?? now) : now)));
    const reconnecting = stale.find((s): s is Reconnecting => s.phase === 'reconnecting');
    return {
      phase: 'reconnecting',
      detail: `${stale.length} of ${all.length} resources stale since ${clockTime(since)}${reconnecting ? ` (${retryText(reconnecting, now)}): ${reconnecting.error}` : ' (relisting)'}`,
    };
  }
  if (synced === 0 && failing.length > 0) return { phase: 'unreachable', detail: failing[0]!.error };
  if (failing.length > 0) return { phase: 'reconnecting', detail: `${failing.length} of ${all.length} resources not loaded yet (${retryText(failing[0]!, now)}): ${failing[0]!.error}` };
  return { phase: 'connected' };
}

/** A session phase as the status bar and the Cluster view say it: `reconnecting` is always said with `stale`. */
export function sessionPhaseText(phase: string): string {
  switch (phase) {
    case 'reconnecting':
      return 'stale, reconnecting';
    case 'unreachable':
      return 'unreachable, retrying';
    default:
      return phase;
  }
}

/**
 * Why nothing could be listed, once every resource has failed its first list and none is listing
 * or listed (no server, credentials rejected); undefined while anything may still succeed.
 */
export function firstListFailure(states: Iterable<InformerState>, context: string): string | undefined {
  const all = [...states];
  const failing = all.filter((s): s is Reconnecting => s.phase === 'reconnecting' && !s.hadData);
  if (failing.length === 0 || all.some((s) => s.phase === 'listing' || s.phase === 'synced' || (s.phase === 'reconnecting' && s.hadData))) return undefined;
  const first = failing[0]!;
  if (failing.some((s) => s.status === 401)) {
    return `the API server did not accept the credentials of context ${context || '(current)'} (401 Unauthorized); refresh them (an expired token: run again what wrote the kubeconfig, e.g. aws eks update-kubeconfig)`;
  }
  return `no resource could be listed: ${first.error}`;
}
