/** Small helpers for answering requests of the simulated API server. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import type { KubeStatus } from './kubeStatus';

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  sendJsonText(res, code, JSON.stringify(body), contentType);
}

/** Sends JSON that is already text. */
export function sendJsonText(res: ServerResponse, code: number, text: string, contentType = 'application/json'): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

/** Answers above this size are compressed for clients that accept gzip (kube-apiserver's threshold). */
const GZIP_MIN_BYTES = 128 * 1024;

/**
 * Sends JSON text, gzip-compressed when `compress` is on, the client accepts gzip and the text is
 * large, as kube-apiserver answers lists.
 */
export function sendJsonTextMaybeGzip(req: IncomingMessage, res: ServerResponse, compress: boolean | undefined, code: number, text: string): void {
  const accepts = /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
  if (!compress || !accepts || text.length < GZIP_MIN_BYTES) {
    sendJsonText(res, code, text);
    return;
  }
  gzip(text, { level: 4 }, (err, body) => {
    if (err) {
      res.destroy(err);
      return;
    }
    // set, not only written: the request log reads the encoding back (`getHeader`)
    res.setHeader('Content-Encoding', 'gzip');
    res.writeHead(code, { 'Content-Type': 'application/json', Vary: 'Accept-Encoding', 'Content-Length': body.length, 'Cache-Control': 'no-cache, private' });
    res.end(body);
  });
}

export function sendStatus(res: ServerResponse, status: KubeStatus): void {
  sendJson(res, status.code, status);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads a request body up to `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
