import type * as vscode from 'vscode';
import type { ConnectionManager } from '../connectionManager';
import type { ExtensionLog } from '../extensionLog';
import type { StoreTreeProvider } from '../views/storeTreeProvider';
import type { TreeNode } from '../views/treeNode';

export interface RegisteredView {
  provider: StoreTreeProvider;
  view: vscode.TreeView<TreeNode>;
}

/** What command handlers get. */
export interface ExtensionServices {
  context: vscode.ExtensionContext;
  connections: ConnectionManager;
  log: ExtensionLog;
  /** The tree views by id (`cniLens.nodes`, …). */
  views: ReadonlyMap<string, RegisteredView>;
}

export type CommandHandler = (services: ExtensionServices, ...args: unknown[]) => unknown;
