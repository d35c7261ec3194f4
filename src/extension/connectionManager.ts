import * as vscode from 'vscode';
import type { ClusterSession, SessionLog, SessionState, SessionTarget } from '../core/sources/clusterSession';
import type { HubbleAccess } from '../core/hubble/hubbleTls';
import { runtime } from './runtime';

export type ConnectionContext = 'none' | 'connecting' | 'connected' | 'reconnecting' | 'unreachable' | 'error';

/**
 * Holds the current session (live context, snapshot or demo). Starts it lazily, the first time a
 * view asks for data, so activation does no network I/O. Fires `onDidChange` when the session or
 * its state changes; views listen to the session's store for data changes.
 */
export class ConnectionManager implements vscode.Disposable {
  private session: ClusterSession | undefined;
  private sessionSubscription: { dispose(): void } | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  /** Runs before a session is replaced or the extension stops (e.g. stopping the embedded demo cluster). */
  private cleanup: (() => Promise<void>) | undefined;

  constructor(private readonly log: SessionLog, private target: SessionTarget | undefined) {
    void this.setContextKey();
  }

  get current(): ClusterSession | undefined {
    return this.session;
  }

  get hasTarget(): boolean {
    return this.target !== undefined;
  }

  /** The session, started. Undefined when there is no cluster to connect to. */
  ensureStarted(): ClusterSession | undefined {
    if (!this.session && this.target) {
      const ipamdAllUpTo = vscode.workspace.getConfiguration('cniLens').get<number>('ipamd.readAllUpTo');
      this.session = new (runtime().ClusterSession)(this.target, this.log, typeof ipamdAllUpTo === 'number' && ipamdAllUpTo >= 0 ? { ipamdAllUpTo } : {});
      this.sessionSubscription = this.session.onState((state) => this.onState(state));
      void this.session.start().then(() => this.changed.fire());
      this.changed.fire();
      void this.setContextKey();
    }
    return this.session;
  }

  /** Switches to another target; the old session stops. */
  async connect(target: SessionTarget | undefined, cleanup?: () => Promise<void>): Promise<void> {
    await this.stopSession();
    this.target = target;
    this.cleanup = cleanup;
    this.ensureStarted();
    this.changed.fire();
    await this.setContextKey();
  }

  /**
   * New Hubble settings: the live session connects to Relay again with them (its follow streams move
   * over). The demo keeps its own embedded Relay.
   */
  async reconfigureHubble(access: HubbleAccess): Promise<void> {
    if (this.cleanup || this.target?.kind !== 'live') return;
    this.target = { ...this.target, hubble: access };
    await this.session?.reconfigureHubble(access);
  }

  async refresh(): Promise<void> {
    const keep = this.cleanup;
    this.cleanup = undefined;
    await this.stopSession();
    this.cleanup = keep;
    this.ensureStarted();
  }

  private async stopSession(): Promise<void> {
    this.sessionSubscription?.dispose();
    const old = this.session;
    this.session = undefined;
    await old?.stop();
    const cleanup = this.cleanup;
    this.cleanup = undefined;
    await cleanup?.();
  }

  private onState(_state: SessionState): void {
    this.changed.fire();
    void this.setContextKey();
  }

  contextValue(): ConnectionContext {
    if (!this.target) return 'none';
    const phase = this.session?.state.phase;
    switch (phase) {
      case undefined:
      case 'connecting':
        return 'connecting';
      case 'stopped':
        return 'none';
      default:
        return phase;
    }
  }

  private async setContextKey(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'cniLens.connection', this.contextValue());
  }

  dispose(): void {
    void this.stopSession();
    this.changed.dispose();
  }
}
