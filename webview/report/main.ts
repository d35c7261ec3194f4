/**
 * Entry of the report webview (`dist/reportWebview.js`): draws a trace report from the blocks the
 * host sends (`src/shared/reportProtocol.ts`), every span with textContent. A linked span is a
 * button-like anchor that asks the host to open link number N; the host decides what that is.
 */
import { ReportShow, type ReportBlock, type ReportSpan, type ReportWebviewMessage } from '../../src/shared/reportProtocol';
import { injectStyle } from '../app/injectStyle';

interface VsCodeApi {
  postMessage(message: ReportWebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const CSS = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size, 13px); color: var(--vscode-foreground); background: var(--vscode-editor-background); margin: 0; padding: 12px 20px 32px; line-height: 1.5; }
h1 { font-size: 1.5em; margin: 4px 0 8px; font-weight: 600; overflow-wrap: anywhere; }
h2 { font-size: 1.15em; margin: 20px 0 6px; padding-bottom: 3px; border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); }
p { margin: 6px 0; overflow-wrap: anywhere; }
ul, ol { margin: 4px 0; padding-left: 26px; }
li { margin: 3px 0; overflow-wrap: anywhere; }
li .sub { display: block; margin-left: 14px; }
.tone-allow { color: var(--vscode-charts-green); }
.tone-deny { color: var(--vscode-errorForeground); }
.tone-warn { color: var(--vscode-editorWarning-foreground, var(--vscode-foreground)); }
.tone-muted { color: var(--vscode-descriptionForeground); }
p.block-warn { padding: 4px 8px; border-left: 3px solid var(--vscode-editorWarning-foreground, currentColor); background: var(--vscode-inputValidation-warningBackground, transparent); }
li.item-deny::marker { color: var(--vscode-errorForeground); }
a.rule { color: var(--vscode-textLink-foreground); cursor: pointer; text-decoration: none; }
a.rule:hover, a.rule:focus { color: var(--vscode-textLink-activeForeground); text-decoration: underline; }
code { font-family: var(--vscode-editor-font-family); }
.toolbar { position: sticky; top: 0; display: flex; justify-content: flex-end; padding: 4px 0; background: var(--vscode-editor-background); }
.toolbar button { font: inherit; color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); border: 1px solid var(--vscode-button-border, transparent); padding: 2px 10px; cursor: pointer; }
.toolbar button:hover { background: var(--vscode-button-secondaryHoverBackground); }
`;

injectStyle(CSS);

const api = acquireVsCodeApi();
const toolbar = document.createElement('div');
toolbar.className = 'toolbar';
const copy = document.createElement('button');
copy.type = 'button';
copy.textContent = 'Copy as Markdown';
copy.title = 'Copy this trace as Markdown (for a ticket or a chat)';
copy.addEventListener('click', () => api.postMessage({ type: 'reportCopy' }));
toolbar.appendChild(copy);
document.body.appendChild(toolbar);
const app = document.createElement('div');
app.className = 'report';
app.textContent = 'Loading the report…';
document.body.appendChild(app);

function span(s: ReportSpan): HTMLElement {
  let e: HTMLElement;
  if (s.link !== undefined) {
    const a = document.createElement('a');
    a.className = 'rule';
    a.tabIndex = 0;
    a.setAttribute('role', 'link');
    const link = s.link;
    const open = (): void => api.postMessage({ type: 'reportOpenLink', link });
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      open();
    });
    a.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        open();
      }
    });
    e = a;
  } else {
    e = document.createElement(s.code ? 'code' : s.strong ? 'strong' : 'span');
  }
  if (s.strong && s.link !== undefined) e.style.fontWeight = '600';
  if (s.tone) e.classList.add(`tone-${s.tone}`);
  if (s.title) e.title = s.title;
  e.textContent = s.text;
  return e;
}

function spans(list: ReportSpan[]): HTMLElement[] {
  return list.map(span);
}

function block(b: ReportBlock): HTMLElement {
  if ('items' in b) {
    const list = document.createElement(b.kind === 'list' ? 'ul' : 'ol');
    for (const item of b.items) {
      const li = document.createElement('li');
      if (item.tone) li.classList.add(`item-${item.tone}`);
      li.append(...spans(item.spans));
      for (const sub of item.sub ?? []) {
        const line = document.createElement('span');
        line.className = 'sub';
        line.append(...spans(sub));
        li.appendChild(line);
      }
      list.appendChild(li);
    }
    return list;
  }
  const e = document.createElement(b.kind === 'heading' ? 'h1' : b.kind === 'subheading' ? 'h2' : 'p');
  if (b.tone) e.classList.add(`block-${b.tone}`);
  e.append(...spans(b.spans));
  return e;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (!ReportShow.is(m)) return; // anything else is not part of the protocol
  document.title = m.report.title;
  app.replaceChildren(...m.report.blocks.map(block));
});

api.postMessage({ type: 'reportReady' });
