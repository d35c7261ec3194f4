import { randomBytes } from 'node:crypto';

/** A CSP nonce: 16 random bytes, base64. A new one for every render of a webview. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}
