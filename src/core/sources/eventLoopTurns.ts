/**
 * One turn of the event loop per waiter, shared by everything that takes a large list in steps.
 *
 * `setImmediate` alone is not enough when many lists load at once: every immediate queued before
 * the check phase runs in that same phase, so fifteen informers each taking one step made one long
 * block. Here one waiter goes per turn: the next immediate is queued from inside the check phase,
 * which Node runs on the following turn, after timers and I/O have had theirs.
 */
const waiting: Array<() => void> = [];
let scheduled = false;

function release(): void {
  scheduled = false;
  const next = waiting.shift();
  if (waiting.length > 0) {
    scheduled = true;
    setImmediate(release);
  }
  next?.();
}

/** Resolves on a later turn of the event loop than any waiter that asked before. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(release);
    }
  });
}

/**
 * Work in steps of a few milliseconds each: `due()` says when the current step has used its time
 * (checking the clock every 64 calls), `pause()` then waits for a turn of the event loop of its own.
 * A `count` instead of a time makes the steps that many calls long (for tests).
 */
export class WorkSlices {
  private calls = 0;
  private started = performance.now();

  constructor(
    private readonly pauseFn: () => Promise<void> = nextTurn,
    private readonly opts: { ms?: number; count?: number } = {},
  ) {}

  /** Counts one unit of work; true when it is time to pause. */
  due(): boolean {
    this.calls++;
    if (this.opts.count !== undefined) return this.calls % this.opts.count === 0;
    return (this.calls & 63) === 0 && performance.now() - this.started >= (this.opts.ms ?? 8);
  }

  async pause(): Promise<void> {
    await this.pauseFn();
    this.started = performance.now();
  }
}
