import * as vscode from 'vscode';
import type { SessionLog } from '../core/sources/clusterSession';

/** The "CNI Lens" log channel, with a component tag on every line. */
export class ExtensionLog implements SessionLog, vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('CNI Lens', { log: true });

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  error(message: string): void {
    this.channel.error(message);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
