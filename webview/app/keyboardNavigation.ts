/** Arrow keys move the focus to the nearest box in that direction. */

export type Direction = 'left' | 'right' | 'up' | 'down';

export interface BoxRect {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export const ARROW_KEYS: Readonly<Record<string, Direction>> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };

/** The box nearest to `from` in `direction`: distance along it, plus twice the offset across it. */
export function nearestBox(from: BoxRect, boxes: readonly BoxRect[], direction: Direction): BoxRect | undefined {
  const cx = from.x + from.width / 2;
  const cy = from.y + from.height / 2;
  let best: BoxRect | undefined;
  let bestScore = Infinity;
  for (const b of boxes) {
    if (b.id === from.id) continue;
    const bx = b.x + b.width / 2;
    const by = b.y + b.height / 2;
    const along = direction === 'right' ? bx - cx : direction === 'left' ? cx - bx : direction === 'down' ? by - cy : cy - by;
    const across = direction === 'left' || direction === 'right' ? Math.abs(by - cy) : Math.abs(bx - cx);
    if (along <= 1) continue;
    const score = along + 2 * across;
    if (score < bestScore) {
      bestScore = score;
      best = b;
    }
  }
  return best;
}
