/**
 * The simulated cluster's own control API under `/_sim/v1/` (bearer token required): change objects,
 * compact the history, end watches, read the request log. Documented in README.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAllDocuments } from 'yaml';
import { readBody, sendJson } from './httpResponse';
import { Statuses, StatusError } from './kubeStatus';
import { parseSimFaultRule, SimFaultError, type SimFault } from './faults/simFaults';
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
  } else if (segments[0] === 'faults') {
    await serveFaults(ctx, req, res, segments.slice(1));
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

/** `/_sim/v1/faults…`: add, list and remove fault rules; restart the server; refuse port-forwards; break Hubble. */
async function serveFaults(ctx: SimApiContext, req: IncomingMessage, res: ServerResponse, rest: string[]): Promise<void> {
  const faults = ctx.faults;
  const body = async (): Promise<Record<string, unknown>> => {
    const text = (await readBody(req)).trim();
    if (!text) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new StatusError(Statuses.badRequest(`body is not JSON: ${(err as Error).message}`));
    }
    if (typeof parsed !== 'object' || parsed === null) throw new StatusError(Statuses.badRequest('body must be a JSON object or list'));
    return parsed as Record<string, unknown>;
  };
  const checked = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof SimFaultError) throw new StatusError(Statuses.badRequest(err.message));
      throw err;
    }
  };
  const route = `${req.method} ${rest.join('/')}`;
  if (route === 'POST ') {
    const input = await body();
    const rules = Array.isArray(input) ? (input as unknown[]) : [input];
    const parsed = rules.map((r, i) => checked(() => {
      try {
        return parseSimFaultRule(r);
      } catch (err) {
        throw rules.length > 1 && err instanceof SimFaultError ? new SimFaultError(`rule ${i}: ${err.message}`) : err;
      }
    }));
    sendJson(res, 200, { added: parsed.map((rule) => describeFault(faults.add(rule))) });
  } else if (route === 'GET ') {
    sendJson(res, 200, { faults: faults.list().map(describeFault) });
  } else if (route === 'DELETE ') {
    sendJson(res, 200, { removed: faults.clear() });
  } else if (req.method === 'DELETE' && rest.length === 1 && rest[0] !== 'restart') {
    const fault = faults.list().find((f) => f.id === rest[0]);
    if (!fault) throw new StatusError(Statuses.badRequest(`no fault with id "${rest[0]}" (used-up faults are removed)`));
    fault.remove();
    sendJson(res, 200, { removed: 1 });
  } else if (route === 'POST restart') {
    const input = await body();
    const downMs = input.downMs;
    if (downMs !== undefined && (typeof downMs !== 'number' || !Number.isInteger(downMs) || downMs < 0)) throw new StatusError(Statuses.badRequest('downMs must be a non-negative integer'));
    if (input.compact !== undefined && typeof input.compact !== 'boolean') throw new StatusError(Statuses.badRequest('compact must be true or false'));
    // answer first: the restart cuts this connection too
    res.on('finish', () => void faults.restartApiServer({ downMs: downMs as number | undefined, compact: input.compact as boolean | undefined }).catch(() => undefined));
    sendJson(res, 202, { restarting: true, downMs: downMs ?? 200 });
  } else if (route === 'POST portforward') {
    const input = await body();
    const list = (key: string): string[] | undefined => {
      const v = input[key];
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new StatusError(Statuses.badRequest(`${key} must be a list of strings`));
      return v as string[];
    };
    const refuse = list('refuse');
    const refuseNodes = list('refuseNodes');
    checked(() => faults.refusePortForward({ ...(refuse ? { refuse } : {}), ...(refuseNodes ? { refuseNodes } : {}) }));
    sendJson(res, 200, { refuse: refuse ?? [], refuseNodes: refuseNodes ?? [] });
  } else if (route === 'POST hubble') {
    const input = await body();
    const afterFlows = input.afterFlows;
    if (afterFlows !== undefined && (typeof afterFlows !== 'number' || !Number.isInteger(afterFlows) || afterFlows < 0)) throw new StatusError(Statuses.badRequest('afterFlows must be a non-negative integer'));
    const broken = checked(() => faults.breakHubble({ afterFlows: afterFlows as number | undefined, connections: input.connections === true }));
    sendJson(res, 200, { broken, ...(afterFlows ? { afterFlows } : {}) });
  } else {
    throw new StatusError(Statuses.noSuchResource());
  }
}

function describeFault(f: SimFault): Record<string, unknown> {
  return { id: f.id, ...(f.match ? { match: f.match } : {}), fault: f.fault, ...(f.times !== undefined ? { times: f.times } : {}), hits: f.hits };
}
