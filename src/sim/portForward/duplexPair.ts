/**
 * Two connected in-memory streams, like the two ends of a TCP connection: bytes written to one are
 * read from the other, `end()` on one ends the other's readable side, and destroying one before it
 * finished writing destroys the other (a reset). Node 20 has no `stream.duplexPair` (added in 22.6).
 */
import { Duplex } from 'node:stream';

class PairEnd extends Duplex {
  peer!: PairEnd;
  /** Our write waiting for the peer's reader to want more (backpressure). */
  private blocked: ((err?: Error | null) => void) | undefined;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.peer.destroyed) {
      callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      return;
    }
    if (this.peer.push(chunk)) callback();
    else this.blocked = callback;
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.push(null);
    callback();
  }

  override _read(): void {
    // The peer may write again.
    const blocked = this.peer.blocked;
    this.peer.blocked = undefined;
    blocked?.();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const blocked = this.blocked;
    this.blocked = undefined;
    blocked?.(err ?? Object.assign(new Error('socket destroyed'), { code: 'ECONNRESET' }));
    const peerBlocked = this.peer.blocked;
    this.peer.blocked = undefined;
    peerBlocked?.(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    // A close before our side finished writing is a reset for the peer; after a clean end the
    // peer drains what it has.
    if (!this.writableFinished && !this.peer.destroyed) this.peer.destroy();
    callback(err);
  }
}

/** Returns `[a, b]`: what is written to `a` is read from `b` and the other way round. */
export function duplexPair(): [Duplex, Duplex] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
