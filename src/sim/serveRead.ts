/** GET of one object and of lists (with selectors, pagination and server-side printing). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeContinue, encodeContinue } from './continueToken';
import { sendJson, sendJsonTextMaybeGzip } from './httpResponse';
import { Statuses, StatusError } from './kubeStatus';
import { objectFilter, outputFormat } from './requestOptions';
import type { ResourceRequest } from './resourceRequest';
import type { SimApiContext } from './simApiContext';
import type { KubeObject } from './simObjectStore';
import { toTable, type ListMeta } from './toTable';

const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export function serveGet(ctx: SimApiContext, req: IncomingMessage, res: ServerResponse, rr: ResourceRequest, query: URLSearchParams): void {
  const format = outputFormat(req.headers.accept, query);
  const obj = ctx.store.get(rr.resource, rr.namespace, rr.name!);
  if (!obj) throw new StatusError(Statuses.objectNotFound(rr.resource, rr.name!));
  if (format.tableApiVersion) {
    const table = toTable(rr.resource, [obj], { resourceVersion: obj.metadata.resourceVersion }, { includeObject: format.includeObject, apiVersion: format.tableApiVersion });
    sendJson(res, 200, table);
  } else {
    sendJson(res, 200, obj);
  }
}

export function serveList(ctx: SimApiContext, req: IncomingMessage, res: ServerResponse, rr: ResourceRequest, query: URLSearchParams): void {
  const { resource } = rr;
  const format = outputFormat(req.headers.accept, query);
  const filter = objectFilter(resource, rr.namespace, query);
  const limit = parseLimit(query.get('limit'));
  const token = query.get('continue');
  const position = token ? decodeContinue(token) : undefined;
  if (position && position.rv < ctx.store.floor(resource)) throw new StatusError(Statuses.expired(EXPIRED_CONTINUE));

  const listRv = position?.rv ?? ctx.store.resourceVersion;
  const page = ctx.store.page(resource, { after: position?.after, namespace: rr.namespace, limit, matches: filter.matches });
  const metadata: ListMeta = { resourceVersion: String(listRv) };
  if (page.more) {
    metadata.continue = encodeContinue({ rv: listRv, after: keyOf(page.items[page.items.length - 1]!) });
    if (!filter.hasSelectors) metadata.remainingItemCount = page.remaining;
  }

  if (format.tableApiVersion) {
    sendJson(res, 200, toTable(resource, page.items, metadata, { includeObject: format.includeObject, apiVersion: format.tableApiVersion }));
    return;
  }
  // Like kube-apiserver: items of built-in lists carry no kind/apiVersion; custom resources keep theirs.
  // Each item's JSON is cached by the store, so a page is joined, not serialized again.
  const items = page.items.map((o) => (resource.crd ? ctx.store.objectJson(o) : ctx.store.bodyJson(o)));
  const head = `{"kind":${JSON.stringify(resource.listKind)},"apiVersion":${JSON.stringify(resource.groupVersion)},"metadata":${JSON.stringify(metadata)},"items":[`;
  sendJsonTextMaybeGzip(req, res, ctx.gzip, 200, `${head}${items.join(',')}]}`);
}

function parseLimit(text: string | null): number {
  if (text === null || text === '') return 0;
  const limit = Number(text);
  if (!Number.isInteger(limit)) throw new StatusError(Statuses.badRequest(`limit: Invalid value: "${text}": must be an integer`));
  return Math.max(limit, 0);
}

function keyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}
