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
