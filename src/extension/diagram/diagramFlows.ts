/**
 * The Hubble flows behind a diagram panel's overlay: reads the pod's recent flows from the session
 * (a snapshot's hubble/*.jsonl or Hubble Relay), follows new ones while the overlay is on, the panel
 * visible and the source live, and says through the toolbar toggle why there is no overlay ("Hubble
 * not installed", "Relay unreachable", "no flows"). Updates are debounced: at most two a second.
 * Never throws: a failure becomes the toggle's detail.
 */
import type { DiagramGraph } from '../../core/analysis/diagram/diagramTypes';
import { FLOW_OVERLAY_MAX_FLOWS, type DiagramFlowOverlay } from '../../core/analysis/diagram/flowOverlay';
import type { FlowFilter, FlowRecord } from '../../core/hubble/flowTypes';
import type { ClusterSession } from '../../core/sources/clusterSession';
import type { FlowToggle } from '../../shared/protocol';
import { runtime } from '../runtime';

/** At most this often an overlay update goes to the webview while flows stream in. */
export const FLOW_UPDATE_MS = 500;

export interface DiagramFlowsHost {
  /** The toggle or the overlay changed: post them. */
  changed(): void;
  warn(message: string): void;
}

export class DiagramFlows {
  private session: ClusterSession | undefined;
  private records: FlowRecord[] = [];
  /** Bumped on each change of `records`, so the overlay of a graph is computed once per version. */
  private version = 0;
  private cached: { graph: DiagramGraph; version: number; overlay: DiagramFlowOverlay | undefined } | undefined;
  /** What the user chose with the toggle; undefined: on when the pod has flows. */
  private userOn: boolean | undefined;
  private visible = true;
  private loading: AbortController | undefined;
  private following: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  toggle: FlowToggle = { available: false, on: false, detail: 'reading the flows…' };

  constructor(
    private readonly podKey: string,
    private readonly host: DiagramFlowsHost,
  ) {}

  /** The session the panel draws from: a new one (reconnect, context switch) reads its flows again. */
  setSession(session: ClusterSession | undefined): void {
    if (session === this.session) return;
    this.session = session;
    this.reload();
  }

  /** The user's choice in the toolbar. */
  setOn(on: boolean): void {
    this.userOn = on;
    if (!on) {
      this.stopFollowing();
      this.toggle = { ...this.toggle, on: false };
      this.host.changed();
      return;
    }
    this.reload();
  }

  /** Hidden panels follow nothing; shown again, they read the recent flows again and follow on. */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    if (!visible) this.stopFollowing();
    else if (this.toggle.on && this.session?.flows?.live) this.reload();
  }

  /** The overlay of `graph`, or undefined when it is off or there is none. */
  overlayFor(graph: DiagramGraph): DiagramFlowOverlay | undefined {
    const session = this.session;
    if (!this.toggle.on || !session || this.records.length === 0) return undefined;
    if (this.cached?.graph === graph && this.cached.version === this.version) return this.cached.overlay;
    let overlay: DiagramFlowOverlay | undefined;
    try {
      const flows = session.flows;
      const started = performance.now();
      overlay = runtime().diagramFlowOverlay(session, graph, this.records, flows?.live ? 'Hubble Relay' : 'snapshot hubble/*.jsonl', flows?.live === true);
      const ms = performance.now() - started;
      if (ms > 100) this.host.warn(`flow overlay of ${this.podKey} (${this.records.length} flows) took ${Math.round(ms)} ms`);
    } catch (err) {
      this.host.warn(`flow overlay of ${this.podKey}: ${(err as Error)?.message ?? String(err)}`);
    }
    this.cached = { graph, version: this.version, overlay };
    return overlay;
  }

  private whitelist(): FlowFilter[] {
    const whitelist: FlowFilter[] = [{ source_pod: [this.podKey] }, { destination_pod: [this.podKey] }];
    const ip = this.session?.store.get('pod', this.podKey)?.ip;
    if (ip) whitelist.push({ source_ip: [ip] }, { destination_ip: [ip] });
    return whitelist;
  }

  private setToggle(toggle: FlowToggle): void {
    if (this.disposed) return;
    this.toggle = toggle;
    this.host.changed();
  }

  /** Reads the recent flows (and follows on when live); the toggle says how it went. */
  private reload(): void {
    this.loading?.abort();
    this.stopFollowing();
    const session = this.session;
    const flows = session?.flows;
    if (!session || !flows) {
      this.records = [];
      this.version++;
      this.setToggle({ available: false, on: false, detail: 'no flows: the session has no flow source' });
      return;
    }
    const controller = new AbortController();
    this.loading = controller;
    void (async () => {
      try {
        if (flows.live && flows.status.state !== 'ok') await flows.probe(controller.signal);
        if (controller.signal.aborted) return;
        if (flows.status.state !== 'ok') {
          this.records = [];
          this.version++;
          this.setToggle({ available: false, on: false, detail: flows.status.detail ?? `Hubble: ${flows.status.state}` });
          return;
        }
        const recent = await flows.recent({ whitelist: this.whitelist(), last: FLOW_OVERLAY_MAX_FLOWS }, controller.signal);
        if (controller.signal.aborted) return;
        this.records = recent;
        this.version++;
        const where = flows.status.detail ?? (flows.live ? 'Hubble Relay' : 'the snapshot');
        if (recent.length === 0) {
          // a live source may still bring some: the overlay can be turned on to wait for them
          const on = flows.live && this.userOn === true;
          this.setToggle({ available: flows.live, on, detail: `no flows of ${this.podKey}${flows.live ? ' yet' : ' in the snapshot'} (${where})` });
          if (on) this.follow();
          return;
        }
        const on = this.userOn ?? true;
        this.setToggle({ available: true, on, detail: `${recent.length} recent flows of ${this.podKey} from ${where}` });
        if (on) this.follow();
      } catch (err) {
        if (controller.signal.aborted) return;
        const message = (err as Error)?.message ?? String(err);
        this.setToggle({ available: false, on: false, detail: flows.status.state !== 'ok' && flows.status.detail ? flows.status.detail : message });
      } finally {
        if (this.loading === controller) this.loading = undefined;
      }
    })();
  }

  /** New flows from a live Relay while the overlay is on and the panel visible. */
  private follow(): void {
    const flows = this.session?.flows;
    if (!flows?.live || !this.visible || this.disposed || this.following) return;
    const controller = new AbortController();
    this.following = controller;
    void (async () => {
      try {
        for await (const record of flows.follow({ whitelist: this.whitelist() }, { signal: controller.signal, onReconnect: (message) => this.host.warn(`flow overlay of ${this.podKey}: ${message}`) })) {
          this.records.push(record);
          if (this.records.length > FLOW_OVERLAY_MAX_FLOWS) this.records.splice(0, this.records.length - FLOW_OVERLAY_MAX_FLOWS);
          this.version++;
          this.scheduleUpdate();
        }
      } catch (err) {
        if (!controller.signal.aborted) {
          const message = (err as Error)?.message ?? String(err);
          this.host.warn(`flow overlay of ${this.podKey}: following stopped: ${message}`);
          this.setToggle({ ...this.toggle, detail: `not following new flows: ${message}` });
        }
      } finally {
        if (this.following === controller) this.following = undefined;
      }
    })();
  }

  private scheduleUpdate(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.toggle.on) this.host.changed();
    }, FLOW_UPDATE_MS);
  }

  private stopFollowing(): void {
    this.following?.abort();
    this.following = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Whether new flows are being followed (for tests and the log). */
  get isFollowing(): boolean {
    return this.following !== undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.loading?.abort();
    this.stopFollowing();
  }
}
