/**
 * Watches: newline-delimited `{"type","object"}` events, flushed one by one. Events after the
 * requested resourceVersion come from the history first, then live; a resourceVersion older than
 * the history gets an ERROR event (410 Expired) and the end of the response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Statuses, StatusError } from './kubeStatus';
import { objectFilter, outputFormat } from './requestOptions';
import type { ResourceRequest } from './resourceRequest';
import type { OpenWatch, SimApiContext, SimRequestRecord } from './simApiContext';
import type { KubeObject, SimStoreEvent } from './simObjectStore';
import { toTable } from './toTable';

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export function serveWatch(ctx: SimApiContext, req: IncomingMessage, res: ServerResponse, rr: ResourceRequest, query: URLSearchParams, record: SimRequestRecord): void {
  const { resource } = rr;
  const format = outputFormat(req.headers.accept, query);
  const filter = objectFilter(resource, rr.namespace, query, rr.name);
  const rvText = query.get('resourceVersion') ?? '';
  const sendInitialEvents = query.get('sendInitialEvents') === 'true';
  const allowBookmarks = query.get('allowWatchBookmarks') === 'true';
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
  const initialState = rvText === '' || rvText === '0' || sendInitialEvents;
  const from = initialState ? ctx.store.resourceVersion : Number(rvText);
  if (!Number.isSafeInteger(from) || from < 0) {
    throw new StatusError(Statuses.badRequest(`resourceVersion: Invalid value: "${rvText}": must be a non-negative integer`));
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  record.status = 200;

  // objects as JSON text: the store caches each stored object's JSON
  const render = (obj: KubeObject): string =>
    format.tableApiVersion
      ? JSON.stringify(toTable(resource, [obj], { resourceVersion: obj.metadata.resourceVersion }, { includeObject: format.includeObject, apiVersion: format.tableApiVersion }))
      : ctx.store.objectJson(obj);
  const send = (type: WatchEventType, object: unknown): void => {
    sendText(type, JSON.stringify(object));
  };
  const sendText = (type: WatchEventType, objectJson: string): void => {
    res.write(`{"type":"${type}","object":${objectJson}}\n`);
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata = { resourceVersion: String(ctx.store.resourceVersion), ...(annotations ? { annotations } : {}) };
    send(
      'BOOKMARK',
      format.tableApiVersion
        ? { kind: 'Table', apiVersion: format.tableApiVersion, metadata, columnDefinitions: [], rows: [] }
        : { kind: resource.kind, apiVersion: resource.groupVersion, metadata },
    );
  };
  const onEvent = (e: SimStoreEvent): void => {
    if (e.resourceVersion <= from) return;
    const now = filter.matches(e.object);
    if (e.type !== 'MODIFIED') {
      if (now) sendText(e.type, render(e.object));
      return;
    }
    const before = e.previous !== undefined && filter.matches(e.previous);
    if (before && now) sendText('MODIFIED', render(e.object));
    else if (now) sendText('ADDED', render(e.object));
    else if (before) sendText('DELETED', render(e.object));
  };

  const timers: NodeJS.Timeout[] = [];
  let stopWatching = (): void => {};
  const watch: OpenWatch = { end: () => finish() };
  const cleanup = (): void => {
    timers.forEach(clearTimeout);
    stopWatching();
    ctx.watches.delete(watch);
  };
  const finish = (): void => {
    cleanup();
    if (!res.writableEnded) res.end();
  };
  res.on('close', cleanup);

  const { start, stop } = ctx.store.watch(resource, from, onEvent);
  stopWatching = stop;
  if (start.expired) {
    send('ERROR', Statuses.expired(`too old resource version: ${from} (${start.oldest})`));
    finish();
    return;
  }
  ctx.watches.add(watch);
  if (initialState) {
    for (const obj of ctx.store.list(resource)) if (filter.matches(obj)) sendText('ADDED', render(obj));
    if (sendInitialEvents && allowBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  }
  for (const e of start.events) onEvent(e);
  if (allowBookmarks) timers.push(setInterval(bookmark, ctx.bookmarkIntervalMs));
  if (timeoutSeconds > 0) timers.push(setTimeout(finish, timeoutSeconds * 1000));
}
