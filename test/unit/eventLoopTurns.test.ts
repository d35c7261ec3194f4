/**
 * `nextTurn` lets one waiter go per turn of the event loop, so timers (and I/O) get their turn
 * between the steps of different lists; plain `setImmediate` runs them all in one check phase.
 */
import { describe, expect, it } from 'vitest';
import { nextTurn } from '../../src/core/sources/eventLoopTurns';

/**
 * Two waiters asked in the same tick. The first to run sets a timer and keeps the loop busy past its
 * due time, so the timer is due before the next turn starts (set from inside the step, the order
 * does not depend on how fast the machine reaches the first turn).
 */
async function order(wait: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  let timerDone!: () => void;
  const timer = new Promise<void>((resolve) => (timerDone = resolve));
  const step = async (name: string): Promise<void> => {
    await wait();
    seen.push(name);
    if (seen.length === 1) {
      setTimeout(() => {
        seen.push('timer');
        timerDone();
      }, 1);
      const until = Date.now() + 5;
      while (Date.now() < until) { /* busy */ }
    }
  };
  await Promise.all([step('a'), step('b'), timer]);
  return seen;
}

describe('nextTurn', () => {
  it('a due timer runs between two waiters', async () => {
    expect(await order(nextTurn)).toEqual(['a', 'timer', 'b']);
  });

  it('(the same two steps on plain setImmediate run back to back)', async () => {
    expect(await order(() => new Promise<void>((r) => setImmediate(r)))).toEqual(['a', 'b', 'timer']);
  });

  it('every waiter is released, in the order they asked', async () => {
    const seen: number[] = [];
    await Promise.all(Array.from({ length: 50 }, (_, i) => nextTurn().then(() => seen.push(i))));
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
