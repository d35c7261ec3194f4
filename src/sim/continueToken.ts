/**
 * Continue tokens of paginated lists, shaped like the API server's (base64url of
 * `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}`): opaque to clients.
 */
import { Statuses, StatusError } from './kubeStatus';

export interface ContinuePosition {
  /** resourceVersion of the list the token continues. */
  rv: number;
  /** Key (`namespace/name` or `name`) of the last item returned; the next page starts after it. */
  after: string;
}

export function encodeContinue(pos: ContinuePosition): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: pos.rv, start: `${pos.after}\u0000` })).toString('base64url');
}

/** Decodes a token; a malformed one is a 400 as on a real server. */
export function decodeContinue(token: string): ContinuePosition {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; rv?: unknown; start?: unknown };
    if (parsed.v === 'meta.k8s.io/v1' && typeof parsed.rv === 'number' && typeof parsed.start === 'string' && parsed.start.endsWith('\u0000')) {
      return { rv: parsed.rv, after: parsed.start.slice(0, -1) };
    }
  } catch {
    // fall through
  }
  throw new StatusError(Statuses.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'));
}
