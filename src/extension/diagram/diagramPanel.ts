/**
 * The path diagram panel of one pod: a webview that loads only `dist/webview.js` under a strict CSP
 * (a fresh nonce per render), fed over the typed protocol of `src/shared/protocol.ts`. It redraws
 * (debounced) when the store changes the pod, its node or an object on its paths, follows the colour
 * theme, and answers the webview: pick a destination, reveal an object in the tree, open its YAML,
 * save an export, turn the Hubble flow overlay on or off (`DiagramFlows`: the pod's recent flows,
 * followed while the panel is visible). Messages no guard accepts are dropped.
 */
import * as vscode from 'vscode';
import type { ClusterSession } from '../../core/sources/clusterSession';
import {
  ExportPngMessage,
  ExportSvgMessage,
  OpenYamlMessage,
  ObserveFlowsMessage,
  PickDestinationMessage,
  ReadyMessage,
  RevealInTreeMessage,
  SelectNodeMessage,
  ToggleFlowsMessage,
  type HostMessage,
  type ThemeKind,
} from '../../shared/protocol';
import type { ExtensionServices } from '../commands/extensionServices';
import { runtime } from '../runtime';
import { createNonce } from './createNonce';
import { DiagramFlows } from './diagramFlows';
import type { TraceRequest } from '../../core/analysis/datapath/traceDatapath';
import type { OverviewDestination } from '../../core/analysis/diagram/overviewDestinations';
import { ALL_PATHS, buildDiagramState, changeTouchesDiagram, pathOfTrace, type DiagramState } from './diagramModel';
import { openObjectYaml } from './openObjectYaml';
import { revealInTree } from './revealPod';
import { diagramWebviewHtml } from './webviewHtml';

const REDRAW_DEBOUNCE_MS = 400;
/** Trace paths a panel keeps in its destination choices. */
const MAX_TRACED = 5;

export function themeKindOf(kind: vscode.ColorThemeKind): ThemeKind {
  switch (kind) {
    case vscode.ColorThemeKind.Light:
      return 'light';
    case vscode.ColorThemeKind.HighContrast:
      return 'high-contrast';
    case vscode.ColorThemeKind.HighContrastLight:
      return 'high-contrast-light';
    default:
      return 'dark';
  }
}

export class DiagramPanel implements vscode.Disposable {
  static readonly viewType = 'cniLens.pathDiagram';
  private static readonly panels = new Map<string, DiagramPanel>();

  /**
   * Opens the panel of `podKey`, or brings its open panel to the front. With `trace`, shows that
   * trace's path (one of the pod's paths, or a new one in its destination choices); with `beside`,
   * in the editor group beside the active one, keeping the focus where it is (next to a trace report).
   */
  static show(services: ExtensionServices, podKey: string, options: { trace?: TraceRequest; beside?: boolean } = {}): DiagramPanel {
    let panel = DiagramPanel.panels.get(podKey);
    if (panel) {
      if (options.beside) panel.panel.reveal(vscode.ViewColumn.Beside, true);
      else panel.panel.reveal();
    } else {
      panel = new DiagramPanel(services, podKey, options.beside ? { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true } : vscode.ViewColumn.Active);
      DiagramPanel.panels.set(podKey, panel);
    }
    if (options.trace) panel.showTrace(options.trace);
    return panel;
  }

  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private state: DiagramState | undefined;
  private selected = ALL_PATHS;
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private session: ClusterSession | undefined;
  private storeSubscription: { dispose(): void } | undefined;
  /** Why the last rebuild failed (the pod was deleted…); the last good diagram stays, with this notice. */
  private lastError: string | undefined;

  /** Paths of trace commands run on this pod, newest last (at most `MAX_TRACED`). */
  private traced: OverviewDestination[] = [];
  /** The Hubble flows of the overlay. */
  private readonly flows: DiagramFlows;

  private constructor(
    private readonly services: ExtensionServices,
    private readonly podKey: string,
    column: vscode.ViewColumn | { viewColumn: vscode.ViewColumn; preserveFocus: boolean },
  ) {
    const dist = vscode.Uri.joinPath(services.context.extensionUri, 'dist');
    this.panel = vscode.window.createWebviewPanel(DiagramPanel.viewType, `Paths: ${podKey.slice(podKey.indexOf('/') + 1)}`, column, {
      enableScripts: true,
      localResourceRoots: [dist],
    });
    this.panel.iconPath = vscode.Uri.joinPath(services.context.extensionUri, 'media', 'cni-lens.svg');
    this.flows = new DiagramFlows(podKey, { changed: () => this.postFlows(), warn: (m) => services.log.warn(m) });
    this.render();
    this.panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m), undefined, this.disposables);
    this.panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
    this.panel.onDidChangeViewState((e) => this.flows.setVisible(e.webviewPanel.visible), undefined, this.disposables);
    this.disposables.push(
      vscode.window.onDidChangeActiveColorTheme((t) => this.post({ type: 'update', theme: themeKindOf(t.kind) })),
      services.connections.onDidChange(() => this.follow()),
    );
    this.follow();
  }

  /** Selects the path of a trace (adding it to the choices when it is not one of the pod's paths) and redraws now. */
  private showTrace(request: TraceRequest): void {
    const session = this.services.connections.current;
    if (!session) return;
    const path = pathOfTrace(session.store, this.podKey, request, this.traced);
    if ('error' in path) {
      this.services.log.warn(`diagram of ${this.podKey}: ${path.error}`);
      return;
    }
    if (path.added) this.traced = [...this.traced, path.added].slice(-MAX_TRACED);
    this.selected = path.id;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.rebuild();
    this.post(this.message('update'));
  }

  /** Sets the webview's HTML: a fresh nonce every time. */
  private render(): void {
    const webview = this.panel.webview;
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.services.context.extensionUri, 'dist', 'webview.js'));
    webview.html = diagramWebviewHtml({ cspSource: webview.cspSource, nonce: createNonce(), scriptUri: script.toString(), title: `Paths of ${this.podKey}` });
  }

  /** Subscribes to the current session's store (a new session after a reconnect or a context switch). */
  private follow(): void {
    const session = this.services.connections.current;
    if (session === this.session) return;
    this.storeSubscription?.dispose();
    this.session = session;
    this.flows.setSession(session);
    this.storeSubscription = session?.store.onChange((changes) => {
      const watch = this.state?.watch;
      if (!watch || changes.some((c) => changeTouchesDiagram(c, watch, session.store))) this.scheduleRedraw();
    });
    this.scheduleRedraw();
  }

  private scheduleRedraw(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.rebuild();
      if (this.ready) this.post(this.message('update'));
    }, REDRAW_DEBOUNCE_MS);
  }

  /**
   * A large cluster's ipamd is read per node: the diagram's pod's node is read when it never was
   * (its ENIs then change in the store, which redraws the diagram). A failed read is not repeated here.
   */
  private readIpamdOf(session: ClusterSession, node: string | undefined): void {
    const ipamd = session.ipamd;
    if (!node || ipamd?.mode !== 'on-demand' || ipamd.stateOf(node)) return;
    void ipamd.read([node]).then((states) => {
      const state = states.get(node);
      if (state?.state === 'failed') this.services.log.warn(`diagram of ${this.podKey}: ipamd of node ${node} could not be read: ${state.error.message}`);
    });
  }

  /** Recomputes the diagram; keeps the last one, with a notice, when the pod is gone. */
  private rebuild(): void {
    const session = this.services.connections.current;
    if (!session) {
      this.lastError = 'No cluster is connected: the diagram is not updated.';
      return;
    }
    const started = performance.now();
    // the datapath and the policy engine live in the lazily loaded runtime (dist/runtime.js)
    const built = buildDiagramState(session.store, this.podKey, this.selected, (request) => runtime().traceWithPolicy(session, request), this.traced);
    const ms = performance.now() - started;
    if (ms > 50) this.services.log.warn(`diagram of ${this.podKey} took ${Math.round(ms)} ms`);
    if (!('error' in built)) this.readIpamdOf(session, built.watch.node);
    if ('error' in built) {
      if (built.error !== this.lastError) this.services.log.warn(`diagram of ${this.podKey}: ${built.error}`);
      this.lastError = session.state.phase === 'connecting' ? `Loading ${session.describe()}…` : built.error;
      return;
    }
    this.lastError = undefined;
    this.state = built;
    this.selected = built.selected;
  }

  private message(type: 'init' | 'update'): HostMessage {
    const s = this.state;
    if (!s) return { type: 'update', notice: this.lastError ?? `Loading ${this.podKey}…` };
    const notice = this.lastError ? `${this.lastError} (showing the last diagram)` : s.notice ?? '';
    const base = { graph: s.graph, theme: themeKindOf(vscode.window.activeColorTheme.kind), title: s.title, choices: s.choices, selected: s.selected, notice, flows: this.flows.toggle };
    return type === 'init' ? { type: 'init', ...base } : { type: 'update', ...base };
  }

  private post(message: HostMessage): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage(message);
    // a new graph gets the overlay of its own edges
    if (message.type !== 'flowOverlay' && 'graph' in message && message.graph) this.postOverlay();
  }

  /** The toggle, then the overlay of the graph shown (when it is on and there is one). */
  private postFlows(): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage({ type: 'update', flows: this.flows.toggle } satisfies HostMessage);
    this.postOverlay();
  }

  private postOverlay(): void {
    const graph = this.state?.graph;
    const overlay = graph ? this.flows.overlayFor(graph) : undefined;
    if (graph && overlay) void this.panel.webview.postMessage({ type: 'flowOverlay', graphTitle: graph.title, overlay } satisfies HostMessage);
  }

  private async onMessage(m: unknown): Promise<void> {
    if (ReadyMessage.is(m)) {
      // (again after VS Code reloads a hidden webview)
      this.ready = true;
      if (!this.state) this.rebuild();
      this.post(this.message(this.state ? 'init' : 'update'));
    } else if (PickDestinationMessage.is(m)) {
      if (m.destination !== ALL_PATHS && !this.state?.choices.some((c) => c.id === m.destination)) return;
      this.selected = m.destination;
      this.rebuild();
      this.post(this.message('update'));
    } else if (SelectNodeMessage.is(m)) {
      // the pane is the webview's; nothing to do on the host
    } else if (RevealInTreeMessage.is(m)) {
      if (!this.knowsRef(m.ref.kind, m.ref.key)) return;
      await revealInTree(this.services, m.ref.kind, m.ref.key);
    } else if (OpenYamlMessage.is(m)) {
      const session = this.services.connections.current;
      if (!session || !this.knowsRef(m.ref.kind, m.ref.key)) return;
      await openObjectYaml(session, m.ref.kind, m.ref.key);
    } else if (ToggleFlowsMessage.is(m)) {
      this.flows.setOn(m.on);
    } else if (ObserveFlowsMessage.is(m)) {
      await vscode.commands.executeCommand('cniLens.observeFlows', this.podKey);
    } else if (ExportSvgMessage.is(m)) {
      await this.save('svg', Buffer.from(m.svg, 'utf8'));
    } else if (ExportPngMessage.is(m)) {
      const png = Buffer.from(m.png, 'base64');
      if (png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) await this.save('png', png);
    }
    // anything else is not part of the protocol: dropped
  }

  /** Only objects the diagram itself names: the webview never chooses what the host opens. */
  private knowsRef(kind: string, key: string): boolean {
    return this.state?.graph.nodes.some((n) => n.refs.some((r) => r.kind === kind && r.key === key)) ?? false;
  }

  private async save(ext: 'svg' | 'png', data: Buffer): Promise<void> {
    const base = `${this.podKey.replace('/', '_')}-${this.selected === ALL_PATHS ? 'paths' : this.selected}.${ext}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      title: `Export the diagram as ${ext.toUpperCase()}`,
      filters: ext === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, base) } : {}),
    });
    if (!uri) return;
    try {
      await vscode.workspace.fs.writeFile(uri, data);
      this.services.log.info(`diagram of ${this.podKey} exported to ${uri.fsPath}`);
    } catch (err) {
      const choice = await vscode.window.showErrorMessage(`CNI Lens: cannot write ${uri.fsPath}: ${(err as Error).message}`, 'Show Log');
      if (choice) this.services.log.channel.show();
    }
  }

  dispose(): void {
    DiagramPanel.panels.delete(this.podKey);
    clearTimeout(this.timer);
    this.flows.dispose();
    this.storeSubscription?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
