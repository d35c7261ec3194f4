/**
 * The simulated cluster's own control API under `/_sim/v1/` (bearer token required): change objects,
 * compact the history, end watches, read the request log. Documented in README.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAllDocuments } from 'yaml';
import { readBody, sendJson } from './httpResponse';
import { Statuses, StatusError } from './kubeStatus';
import { closeWatches, type SimApiContext } from './simApiContext';
import type { KubeObject } from './simObjectStore';

export const SIM_CONTROL_PREFIX = '/_sim/v1/';

export async function serveControlApi(ctx: SimApiContext, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const segments = path.slice(SIM_CONTROL_PREFIX.length).split('/').filter(Boolean).map(decodeURIComponent);
  const route = `${req.method} ${segments[0] ?? ''}`;

  if (route === 'POST objects' && segments.length === 1) {
    const objects = parseObjects(await readBody(req));
    for (const obj of objects) resolve(ctx, obj);
    const applied = objects.map((obj) => {
      const { result, object } = ctx.store.apply(obj);
      return { ...identity(object), result };
    });
    sendJson(res, 200, { applied });
  } else if (route === 'DELETE objects' && segments.length >= 4 && segments.length <= 6) {
    // objects/<resource>/<ns>/<name>, objects/<apiVersion>/<kind>/<ns>/<name> (apiVersion with %2F or a plain /)
    const [namespace, name] = segments.slice(-2) as [string, string];
    const ns = namespace === '_' ? undefined : namespace;
    const head = segments.slice(1, -2);
    const resource =
      head.length === 1 ? ctx.registry.lookup(head[0]!) : ctx.registry.findKind(head.slice(0, -1).join('/'), head[head.length - 1]!);
    if (!resource) throw new StatusError(Statuses.badRequest(`unknown resource ${head.join('/')}`));
    const deleted = ctx.store.delete(resource, ns, name);
    if (!deleted) throw new StatusError(Statuses.objectNotFound(resource, name));
    sendJson(res, 200, { deleted: identity(deleted) });
  } else if (route === 'POST compact' && segments.length === 1) {
    sendJson(res, 200, { resourceVersion: String(ctx.store.compact()) });
  } else if (route === 'POST watches' && segments[1] === 'close' && segments.length === 2) {
    sendJson(res, 200, { closed: closeWatches(ctx) });
  } else if (route === 'POST churn' && segments.length === 1 && ctx.churn) {
    let rate: unknown;
    try {
      rate = (JSON.parse(await readBody(req)) as { podsPerSecond?: unknown }).podsPerSecond;
    } catch (err) {
      throw new StatusError(Statuses.badRequest(`body must be JSON like {"podsPerSecond": 100}: ${(err as Error).message}`));
    }
    try {
      sendJson(res, 200, ctx.churn.setRate(typeof rate === 'number' ? rate : NaN));
    } catch (err) {
      throw new StatusError(Statuses.badRequest((err as Error).message));
    }
  } else if (route === 'GET churn' && segments.length === 1 && ctx.churn) {
    sendJson(res, 200, ctx.churn.stats);
  } else if (route === 'GET requests' && segments.length === 1) {
    sendJson(res, 200, { requests: ctx.requests });
  } else {
    throw new StatusError(Statuses.noSuchResource());
  }
}

function identity(obj: KubeObject): Record<string, string | undefined> {
  const { namespace, name, resourceVersion } = obj.metadata;
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace, name, resourceVersion };
}

function resolve(ctx: SimApiContext, obj: KubeObject): void {
  try {
    ctx.store.resourceOf(obj);
  } catch (err) {
    throw new StatusError(Statuses.badRequest((err as Error).message));
  }
}

/** One object, a `kind: List`, or several YAML documents; JSON or YAML. */
function parseObjects(text: string): KubeObject[] {
  let docs: unknown[];
  try {
    docs = [JSON.parse(text)];
  } catch {
    const parsed = parseAllDocuments(text);
    const errors = (Array.isArray(parsed) ? parsed : [parsed]).flatMap((d) => d.errors);
    if (errors.length) throw new StatusError(Statuses.badRequest(`body is neither JSON nor YAML: ${errors[0]!.message}`));
    docs = (Array.isArray(parsed) ? parsed : [parsed]).map((d) => d.toJS() as unknown);
  }
  const objects: KubeObject[] = [];
  const add = (doc: unknown): void => {
    if (doc === null || doc === undefined) return;
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new StatusError(Statuses.badRequest('each document must be a Kubernetes object'));
    const items = (doc as { items?: unknown }).items;
    const kind = (doc as { kind?: unknown }).kind;
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)) items.forEach(add);
    else objects.push(doc as KubeObject);
  };
  docs.forEach(add);
  return objects;
}
