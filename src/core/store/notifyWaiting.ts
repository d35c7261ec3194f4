/**
 * Calls each callback of `waiting` once and empties it (those that wait for a kept count or report
 * to be ready); a callback that throws does not keep the others from being called.
 */
export function notifyWaiting(waiting: Set<() => void>): void {
  const callbacks = [...waiting];
  waiting.clear();
  for (const callback of callbacks) {
    try {
      callback();
    } catch {
      // one waiter's failure is its own
    }
  }
}
