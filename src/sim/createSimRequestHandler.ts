/**
 * The one request-dispatch function of the simulated Kubernetes API server: records the request,
 * answers health and version without credentials, checks the bearer token, then routes to the
 * control API, discovery, or a resource (RBAC scenario first, then the read-only verbs).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { discoveryResponse } from './discovery';
import { sendJson, sendStatus, sendText } from './httpResponse';
import { Statuses, StatusError } from './kubeStatus';
import { servePortForward } from './portForward/servePortForward';
import type { SimPortForwards } from './portForward/simPortForwards';
import { parseResourceRequest, type ResourceRequest } from './resourceRequest';
import { serveControlApi, SIM_CONTROL_PREFIX } from './serveControlApi';
import { serveGet, serveList } from './serveRead';
import { serveWatch } from './serveWatch';
import type { SimApiContext, SimRequestRecord } from './simApiContext';
import { ACCESS_REVIEW_PATH, serveAccessReview } from './serveAccessReview';
import { nameFromFieldSelector, type RbacAttributes, type RbacDecision } from './simRbac';
import { DEFAULT_SIM_USER, type SimForbiddenRule } from './simScenario';

/** What `/version` answers: an EKS 1.32 control plane. */
export const SIM_SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.5-eks-5d4a308',
  gitCommit: '5d4a3082f4a7b0d4c6e2a7b6a1c1e5f0a3b2c9d8',
  gitTreeState: 'clean',
  buildDate: '2025-05-22T19:47:22Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/livez']);

export function createSimRequestHandler(ctx: SimApiContext, portForwards?: SimPortForwards): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'https://sim.invalid');
    const record: SimRequestRecord = {
      time: new Date().toISOString(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      verb: (req.method ?? 'GET').toLowerCase(),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
      status: 0,
    };
    ctx.requests.push(record);
    if (ctx.requests.length > ctx.maxRecordedRequests) ctx.requests.splice(0, ctx.requests.length - ctx.maxRecordedRequests);
    const settle = (): void => {
      if (!res.headersSent) return;
      record.status = res.statusCode;
      const encoding = res.getHeader('content-encoding');
      if (encoding) record.contentEncoding = String(encoding);
    };
    res.on('finish', settle);
    res.on('close', settle);

    dispatch(ctx, req, res, url, record, portForwards).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendStatus(res, err instanceof StatusError ? err.status : Statuses.internal(err instanceof Error ? err.message : String(err)));
    });
  };
}

async function dispatch(
  ctx: SimApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  record: SimRequestRecord,
  portForwards: SimPortForwards | undefined,
): Promise<void> {
  const path = url.pathname;
  if (PUBLIC_PATHS.has(path)) return sendText(res, 200, 'ok');
  if (path === '/version') return sendJson(res, 200, SIM_SERVER_VERSION);
  const segments = path.split('/').filter(Boolean);
  const isDiscovery = (segments[0] === 'api' && segments.length <= 2) || (segments[0] === 'apis' && segments.length <= 3);
  const isResource = !isDiscovery && (segments[0] === 'api' || segments[0] === 'apis');
  // Parsed before authentication only so that the record names verb and resource; errors wait.
  let rr: ResourceRequest | undefined;
  let notFound: unknown;
  if (isResource) {
    try {
      rr = parseResourceRequest(ctx.registry, path, req.method ?? 'GET', url.searchParams);
      record.verb = rr.verb;
      record.resource = rr.resource.qualifiedName;
      if (rr.namespace) record.namespace = rr.namespace;
    } catch (err) {
      notFound = err;
    }
  }

  if (!hasToken(req, ctx.token)) throw new StatusError(Statuses.unauthorized());
  if (path.startsWith(SIM_CONTROL_PREFIX)) return serveControlApi(ctx, req, res, path);
  if (path === ACCESS_REVIEW_PATH) {
    record.verb = 'create';
    record.resource = 'selfsubjectaccessreviews.authorization.k8s.io';
    return serveAccessReview(req, res, (attrs) => authorize(ctx, attrs, undefined));
  }
  if (isDiscovery) {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new StatusError(Statuses.methodNotAllowed());
    const doc = discoveryResponse(ctx.registry, `/${segments.join('/')}`, req.headers.accept, ctx.serverAddress);
    if (!doc) throw new StatusError(Statuses.noSuchResource());
    return sendJson(res, 200, doc.body, doc.contentType);
  }
  if (!rr) throw notFound ?? new StatusError(Statuses.noSuchResource());
  if (await ctx.faults.intercept(req, res, record)) return;
  const attrs = rbacAttributes(rr, url.searchParams);
  const decision = authorize(ctx, attrs, rr.resource.namespaced);
  record.authz = { ...attrs, decision: decision.allowed ? 'allow' : 'deny', ...(decision.by ? { by: decision.by } : {}) };
  if (!decision.allowed) {
    const user = ctx.scenario.user ?? DEFAULT_SIM_USER;
    throw new StatusError(Statuses.forbidden(user, rr.verb, rr.resource, rr.subresource, rr.namespace, attrs.name, decision.reason));
  }
  if (rr.subresource === 'portforward') return servePortForward(ctx, portForwards, req, res, rr, url, record);
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new StatusError(Statuses.methodNotAllowed());
  if (rr.watch) serveWatch(ctx, req, res, rr, url.searchParams, record);
  else if (rr.name) serveGet(ctx, req, res, rr, url.searchParams);
  else serveList(ctx, req, res, rr, url.searchParams);
}

/** The request as RBAC sees it; a list or watch takes its name from a `metadata.name` field selector. */
function rbacAttributes(rr: ResourceRequest, query: URLSearchParams): RbacAttributes {
  const name = rr.name ?? (rr.verb === 'list' || rr.verb === 'watch' ? nameFromFieldSelector(query.get('fieldSelector')) : undefined);
  return {
    verb: rr.verb,
    apiGroup: rr.resource.group,
    resource: rr.resource.resource,
    ...(rr.subresource ? { subresource: rr.subresource } : {}),
    ...(rr.namespace ? { namespace: rr.namespace } : {}),
    ...(name ? { name } : {}),
  };
}

function hasToken(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1] === token;
}

/**
 * The scenario's authorization of a request: RBAC when the scenario has it (else everything), then
 * its `forbidden` rules. `namespaced`: whether the resource is namespaced (unknown for an access review).
 */
function authorize(ctx: SimApiContext, attrs: RbacAttributes, namespaced: boolean | undefined): RbacDecision {
  const decision = ctx.rbac?.authorize(attrs) ?? { allowed: true };
  if (!decision.allowed) return decision;
  if (isForbidden(ctx.scenario.forbidden ?? [], attrs, namespaced)) return { allowed: false };
  return decision;
}

function isForbidden(rules: SimForbiddenRule[], attrs: RbacAttributes, namespaced: boolean | undefined): boolean {
  const target = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  return rules.some(
    (rule) =>
      rule.group === attrs.apiGroup &&
      (rule.resource === '*' || rule.resource === target) &&
      (!rule.verbs || rule.verbs.includes('*') || rule.verbs.includes(attrs.verb)) &&
      (!rule.namespace || (namespaced !== false && (attrs.namespace === undefined || attrs.namespace === rule.namespace))),
  );
}
