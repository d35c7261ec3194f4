/**
 * "CNI Lens: Observe Flows" for one pod: a webview (`dist/flowsWebview.js`, strict CSP with a fresh
 * nonce per render) with a table of the pod's Hubble flows. The host reads the recent flows of the
 * session (Relay or the snapshot's hubble/*.jsonl), then follows new ones from Relay's server stream,
 * and sends them as rows over `src/shared/flowsProtocol.ts` in small batches. The stream stops when
 * the panel closes or the session changes. Paused, the host keeps following but posts only the count
 * of new flows, keeping the newest `MAX_ROWS` rows for the resume (sent in one message).
 */
import * as vscode from 'vscode';
import { flowRow } from '../../core/hubble/flowRow';
import type { FlowFilter, FlowRecord } from '../../core/hubble/flowTypes';
import type { PodInfo } from '../../core/model';
import type { ClusterSession } from '../../core/sources/clusterSession';
import { FlowsPause, FlowsReady, type FlowRow, type FlowsHostMessage } from '../../shared/flowsProtocol';
import type { ExtensionServices } from '../commands/extensionServices';
import { createNonce } from '../diagram/createNonce';
import { diagramWebviewHtml } from '../diagram/webviewHtml';

/** Rows the table keeps (older ones drop off). */
const MAX_ROWS = 500;
/** Recent flows read when the panel opens. */
const RECENT = 200;
const BATCH_MS = 250;
/** While paused, the count of new flows is posted at most this often. */
const HELD_COUNT_MS = 500;

export class FlowsPanel implements vscode.Disposable {
  static readonly viewType = 'cniLens.flows';
  private static readonly panels = new Map<string, FlowsPanel>();

  static show(services: ExtensionServices, session: ClusterSession, pod: PodInfo): FlowsPanel {
    const key = `${pod.namespace}/${pod.name}`;
    const open = FlowsPanel.panels.get(key);
    if (open) {
      open.panel.reveal();
      return open;
    }
    const panel = new FlowsPanel(services, session, pod);
    FlowsPanel.panels.set(key, panel);
    return panel;
  }

  private readonly panel: vscode.WebviewPanel;
  private readonly key: string;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly controller = new AbortController();
  private ready = false;
  private started = false;
  private pending: FlowRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private counter = 0;
  private lastStatus: FlowsHostMessage | undefined;
  private paused = false;
  /** The last run failed before any flow was read. */
  private failedEmpty = false;
  /** New rows while paused: the newest MAX_ROWS (a ring from `heldStart`), and how many arrived. */
  private held: FlowRow[] = [];
  private heldStart = 0;
  private heldCount = 0;
  private heldTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly services: ExtensionServices,
    private readonly session: ClusterSession,
    private readonly pod: PodInfo,
  ) {
    this.key = `${pod.namespace}/${pod.name}`;
    const dist = vscode.Uri.joinPath(services.context.extensionUri, 'dist');
    this.panel = vscode.window.createWebviewPanel(FlowsPanel.viewType, `Flows: ${pod.name}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [dist], retainContextWhenHidden: true });
    this.panel.iconPath = vscode.Uri.joinPath(services.context.extensionUri, 'media', 'cni-lens.svg');
    const webview = this.panel.webview;
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'flowsWebview.js'));
    webview.html = diagramWebviewHtml({ cspSource: webview.cspSource, nonce: createNonce(), scriptUri: script.toString(), title: `Flows of ${this.key}` });
    webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), undefined, this.disposables);
    this.panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
    this.disposables.push(
      services.connections.onDidChange(() => {
        if (services.connections.current !== this.session) this.stop('the cluster connection changed: this table no longer follows new flows');
        // no flow could be read (Relay unreachable, TLS settings wrong): once Relay answers (new settings), read again
        else if (this.failedEmpty && this.session.flows?.status.state === 'ok' && !this.controller.signal.aborted) {
          this.failedEmpty = false;
          void this.run();
        }
      }),
    );
  }

  private onMessage(m: unknown): void {
    if (FlowsPause.is(m)) {
      if (m.paused) this.pause();
      else this.resume();
      return;
    }
    if (!FlowsReady.is(m)) return; // anything else is not part of the protocol
    // a (re)loaded webview starts unpaused: what was held goes to it after the init
    const wasPaused = this.paused;
    this.paused = false;
    this.ready = true;
    const flows = this.session.flows;
    this.post({ type: 'flowsInit', pod: this.key, source: flows?.status.detail ?? 'no flow source', live: flows?.live ?? false, maxRows: MAX_ROWS });
    if (this.lastStatus) this.post(this.lastStatus);
    if (wasPaused) {
      this.paused = true;
      this.resume();
    }
    if (!this.started) {
      this.started = true;
      void this.run();
    }
  }

  private async run(): Promise<void> {
    const flows = this.session.flows;
    if (!flows) {
      this.status('error', `${this.session.describe()} has no flow source yet (still loading?)`);
      return;
    }
    const whitelist: FlowFilter[] = [{ source_pod: [this.key] }, { destination_pod: [this.key] }];
    if (this.pod.ip) whitelist.push({ source_ip: [this.pod.ip] }, { destination_ip: [this.pod.ip] });
    const signal = this.controller.signal;
    this.status('loading', `reading the recent flows of ${this.key}…`);
    try {
      const recent = await flows.recent({ whitelist, last: RECENT }, signal);
      for (const r of recent) this.add(r);
      this.flush();
      if (!flows.live) {
        this.status('complete', `${flows.status.detail ?? 'snapshot'}: all flows of the pod shown (a snapshot has no new flows)`);
        return;
      }
      this.status('following', `following new flows from ${flows.status.detail ?? 'Hubble Relay'}`);
      for await (const r of flows.follow({ whitelist }, { signal, onReconnect: (message) => this.status('reconnecting', message) })) {
        if (this.lastStatus && 'state' in this.lastStatus && this.lastStatus.state === 'reconnecting') this.status('following', `following new flows from ${flows.status.detail ?? 'Hubble Relay'}`);
        this.add(r);
      }
    } catch (err) {
      if (signal.aborted) return;
      const message = (err as Error)?.message ?? String(err);
      this.services.log.warn(`flows of ${this.key}: ${message}`);
      this.status('error', flows.status.state !== 'ok' && flows.status.detail ? flows.status.detail : message);
      this.failedEmpty = this.counter === 0 && flows.status.state !== 'ok';
    }
  }

  private pause(): void {
    if (this.paused) return;
    this.flush(); // what arrived before the pause is shown
    this.paused = true;
    this.held = [];
    this.heldStart = 0;
    this.heldCount = 0;
    this.postHeld();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    const rows = [...this.held.slice(this.heldStart), ...this.held.slice(0, this.heldStart)];
    this.held = [];
    this.heldStart = 0;
    this.heldCount = 0;
    this.pending.push(...rows);
    if (this.pending.length > MAX_ROWS) this.pending.splice(0, this.pending.length - MAX_ROWS);
    this.flush(); // in one message
    this.post({ type: 'flowsPaused', paused: false, held: 0, kept: 0 });
  }

  private hold(row: FlowRow): void {
    this.heldCount++;
    if (this.held.length < MAX_ROWS) this.held.push(row);
    else {
      this.held[this.heldStart] = row;
      this.heldStart = (this.heldStart + 1) % MAX_ROWS;
    }
    this.heldTimer ??= setTimeout(() => {
      this.heldTimer = undefined;
      this.postHeld();
    }, HELD_COUNT_MS);
  }

  private postHeld(): void {
    if (this.paused) this.post({ type: 'flowsPaused', paused: true, held: this.heldCount, kept: this.held.length });
  }

  private add(record: FlowRecord): void {
    const row = flowRow(record, { namespace: this.pod.namespace, name: this.pod.name, ...(this.pod.ip ? { ip: this.pod.ip } : {}) }, `flow-${++this.counter}`);
    if (!row) return;
    if (this.paused) return this.hold(row);
    this.pending.push(row);
    if (this.pending.length > MAX_ROWS) this.pending.splice(0, this.pending.length - MAX_ROWS);
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.post({ type: 'flowsAppend', rows });
  }

  private status(state: 'loading' | 'following' | 'complete' | 'reconnecting' | 'error', detail: string): void {
    this.lastStatus = { type: 'flowsStatus', state, detail };
    this.post(this.lastStatus);
  }

  private stop(reason: string): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort();
    this.flush();
    this.status('complete', reason);
  }

  private post(message: FlowsHostMessage): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    FlowsPanel.panels.delete(this.key);
    this.controller.abort();
    clearTimeout(this.timer);
    clearTimeout(this.heldTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
