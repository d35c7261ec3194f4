/**
 * Entry of the path diagram webview (`dist/webview.js`, loaded by the panel with a nonce under a
 * strict CSP). Styles go in through a `<style>` carrying the script's nonce; the diagram is laid out
 * with the bundled elkjs (no worker) and drawn as SVG.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNodeLike } from '../src/core/analysis/diagram/toElkGraph';
import { DiagramApp } from './app/diagramApp';
import { PAGE_CSS } from './app/pageStyles';
import { connectToHost } from './app/vscodeApi';
import { diagramCss, VSCODE_PALETTE } from './render/diagramStyles';
import { injectStyle } from './app/injectStyle';

injectStyle(PAGE_CSS + diagramCss(VSCODE_PALETTE));

const elk = new ELK();
const app = new DiagramApp(document, connectToHost(), { layout: (graph) => elk.layout(graph as Parameters<typeof elk.layout>[0]) as Promise<ElkNodeLike> });
window.addEventListener('message', (event) => app.onMessage(event.data));
app.ready();
