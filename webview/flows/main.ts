/**
 * Entry of the flows webview (`dist/flowsWebview.js`): a pod's Hubble flows as a table that follows
 * new flows, with a text filter and pause/resume. Rows arrive over `src/shared/flowsProtocol.ts`;
 * every cluster string is set with textContent. Pause and resume are asked of the host, which holds
 * new flows meanwhile and posts only their count (`flowsPaused`), then the held rows in one
 * `flowsAppend` on resume; the table keeps at most `maxRows` rows, newest first.
 */
// the host holds new flows while paused and says how many (flowsPaused)
import { FlowsPaused } from '../../src/shared/flowsProtocol';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { FlowsAppend, FlowsInit, FlowsStatus, type FlowRow, type FlowsWebviewMessage } from '../../src/shared/flowsProtocol';
import { injectStyle } from '../app/injectStyle';

interface VsCodeApi {
  postMessage(message: FlowsWebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const CSS = `
html, body { height: 100%; margin: 0; padding: 0; }
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size, 13px); color: var(--vscode-foreground); background: var(--vscode-editor-background); }
.app { display: flex; flex-direction: column; height: 100vh; }
.toolbar { display: flex; align-items: center; gap: 8px; padding: 6px 10px; border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); flex-wrap: wrap; }
.toolbar .title { font-weight: 600; white-space: nowrap; }
.toolbar .filter { flex: 1 1 240px; min-width: 160px; max-width: 420px; }
.toolbar .counts { color: var(--vscode-descriptionForeground); white-space: nowrap; font-variant-numeric: tabular-nums; }
.status { padding: 3px 10px; color: var(--vscode-descriptionForeground); border-bottom: 1px solid var(--vscode-panel-border, transparent); overflow-wrap: anywhere; }
.status.error { color: var(--vscode-errorForeground); }
.status.reconnecting { color: var(--vscode-editorWarning-foreground, var(--vscode-foreground)); }
.scroll { flex: 1 1 auto; overflow: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th { position: sticky; top: 0; text-align: left; font-weight: 600; padding: 4px 8px; background: var(--vscode-editorGroupHeader-tabsBackground, var(--vscode-editor-background)); border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); white-space: nowrap; }
td { padding: 3px 8px; border-bottom: 1px solid var(--vscode-editorGroup-border, transparent); vertical-align: top; overflow-wrap: anywhere; }
tr.dropped td { background: var(--vscode-inputValidation-errorBackground, transparent); }
td.verdict { font-weight: 600; white-space: nowrap; }
tr.forwarded td.verdict { color: var(--vscode-charts-green); }
tr.dropped td.verdict { color: var(--vscode-errorForeground); }
td.time, td.port, td.dir, td.drop { white-space: nowrap; }
td.policies, td.event, td.node { color: var(--vscode-descriptionForeground); }
.empty { padding: 16px 10px; color: var(--vscode-descriptionForeground); }
`;

const COLUMNS: Array<[string, (r: FlowRow) => string, string]> = [
  ['Time', (r) => r.time, 'time'],
  ['Verdict', (r) => r.verdict, 'verdict'],
  ['Dir', (r) => (r.direction === 'out' ? '→ out' : '← in'), 'dir'],
  ['Peer', (r) => r.peer, 'peer'],
  ['Port', (r) => r.port, 'port'],
  ['Drop reason', (r) => r.dropReason, 'drop'],
  ['Policies', (r) => r.policies, 'policies'],
  ['Event', (r) => r.event, 'event'],
  ['Node', (r) => r.node, 'node'],
];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

injectStyle(CSS);

const api = acquireVsCodeApi();
const app = el('div', 'app');
const toolbar = el('div', 'toolbar');
const title = el('span', 'title', 'Flows');
const filter = document.createElement('vscode-textfield') as HTMLElement & { value: string; placeholder: string };
filter.className = 'filter';
filter.setAttribute('placeholder', 'Filter: verdict, peer, port, reason, policy…');
filter.setAttribute('aria-label', 'Filter flows');
const pause = document.createElement('vscode-button') as HTMLElement;
pause.className = 'pause';
pause.textContent = 'Pause';
pause.setAttribute('disabled', '');
const counts = el('span', 'counts', '');
toolbar.append(title, filter, pause, counts);
const status = el('div', 'status', 'Waiting for the extension…');
const scroll = el('div', 'scroll');
const table = el('table');
const head = el('thead');
const headRow = el('tr');
for (const [label] of COLUMNS) headRow.appendChild(el('th', undefined, label));
head.appendChild(headRow);
const body = el('tbody');
table.append(head, body);
const empty = el('div', 'empty', 'No flows yet.');
scroll.append(table, empty);
app.append(toolbar, status, scroll);
document.body.appendChild(app);

let maxRows = 500;
let live = false;
let paused = false;
/** New flows the host holds while paused, and how many of them it keeps for the resume. */
let held = 0;
let kept = 0;
/** Newest first. */
let rows: FlowRow[] = [];
const seen = new Set<string>();
let filterText = '';

function matches(r: FlowRow): boolean {
  if (!filterText) return true;
  const text = `${r.time} ${r.timestamp} ${r.verdict} ${r.direction === 'out' ? 'out egress' : 'in ingress'} ${r.peer} ${r.peerDetail} ${r.port} ${r.dropReason} ${r.policies} ${r.event} ${r.node}`.toLowerCase();
  return filterText.split(/\s+/).every((word) => text.includes(word));
}

function rowElement(r: FlowRow): HTMLTableRowElement {
  const tr = el('tr', r.verdict === 'DROPPED' ? 'dropped' : r.verdict === 'FORWARDED' ? 'forwarded' : '');
  tr.dataset.id = r.id;
  for (const [, value, cls] of COLUMNS) {
    const td = el('td', cls, value(r));
    if (cls === 'time') td.title = r.timestamp;
    if (cls === 'peer' && r.peerDetail) td.title = r.peerDetail;
    tr.appendChild(td);
  }
  return tr;
}

function render(): void {
  const shown = rows.filter(matches);
  body.replaceChildren(...shown.map(rowElement));
  empty.hidden = shown.length > 0;
  empty.textContent = rows.length === 0 ? 'No flows of this pod yet.' : `No flow matches "${filterText}".`;
  const drops = rows.filter((r) => r.verdict === 'DROPPED').length;
  const waiting = paused && held ? ` · ${held} new while paused${kept < held ? ` (the newest ${kept} kept)` : ''}` : '';
  counts.textContent = `${shown.length} of ${rows.length} flows · ${drops} dropped${waiting}`;
}

function accept(incoming: FlowRow[]): void {
  const fresh = incoming.filter((r) => !seen.has(r.id));
  for (const r of fresh) seen.add(r.id);
  rows = [...fresh.reverse(), ...rows];
  if (rows.length > maxRows) {
    for (const r of rows.splice(maxRows)) seen.delete(r.id);
  }
  render();
}

filter.addEventListener('input', () => {
  filterText = String(filter.value ?? '').trim().toLowerCase();
  render();
});
function showPaused(value: boolean): void {
  paused = value;
  pause.textContent = paused ? 'Resume' : 'Pause';
}

pause.addEventListener('click', () => {
  // the button answers at once; the host confirms with flowsPaused
  showPaused(!paused);
  if (!paused) held = kept = 0;
  api.postMessage({ type: 'flowsPause', paused });
  render();
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (FlowsInit.is(m)) {
    maxRows = m.maxRows;
    live = m.live;
    title.textContent = `Flows of ${m.pod}`;
    title.title = m.source;
    if (live) pause.removeAttribute('disabled');
    else pause.setAttribute('disabled', '');
    render();
  } else if (FlowsAppend.is(m)) {
    accept(m.rows);
  } else if (FlowsPaused.is(m)) {
    showPaused(m.paused);
    held = m.held;
    kept = m.kept;
    render();
  } else if (FlowsStatus.is(m)) {
    status.textContent = m.detail;
    status.className = `status ${m.state}`;
    if (m.state === 'complete' || m.state === 'error') pause.setAttribute('disabled', '');
    else if (live) pause.removeAttribute('disabled');
  }
  // anything else is not part of the protocol: dropped
});

render();
api.postMessage({ type: 'flowsReady' });
