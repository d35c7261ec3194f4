/**
 * Hands an HTTP upgrade's raw socket from the server's `upgrade` event to the request handler, so
 * that upgrades go through the same dispatch (recording, auth, RBAC) as every other request and
 * only the port-forward handler takes the socket over.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export interface HeldUpgrade {
  socket: Duplex;
  /** Bytes the client sent after the request head. */
  head: Buffer;
}

const held = new WeakMap<IncomingMessage, HeldUpgrade>();

/** Called by the server's `upgrade` listener before the request is dispatched. */
export function holdUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  held.set(req, { socket, head });
}

/** The upgrade's socket, once; undefined for a plain request. */
export function takeUpgrade(req: IncomingMessage): HeldUpgrade | undefined {
  const upgrade = held.get(req);
  held.delete(req);
  return upgrade;
}
