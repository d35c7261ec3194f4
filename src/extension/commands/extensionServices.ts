import type * as vscode from 'vscode';
import type { ConnectionManager } from '../connectionManager';
import type { ExtensionLog } from '../extensionLog';

/** What command handlers get. */
export interface ExtensionServices {
  context: vscode.ExtensionContext;
  connections: ConnectionManager;
  log: ExtensionLog;
}

export type CommandHandler = (services: ExtensionServices, ...args: unknown[]) => unknown;
