import * as vscode from 'vscode';
import type { ClusterSession } from '../../core/sources/clusterSession';
import type { ConnectionManager } from '../connectionManager';
import { messageNode, type TreeNode } from './treeNode';

const REFRESH_DEBOUNCE_MS = 150;

/**
 * Base of the CNI Lens tree views: connects lazily on first use, shows loading and error rows,
 * and refreshes (debounced) when the session or its store changes.
 */
export abstract class StoreTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private storeSubscription: { dispose(): void } | undefined;
  private subscribedSession: ClusterSession | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly connectionSubscription: vscode.Disposable;

  constructor(protected readonly connections: ConnectionManager) {
    this.connectionSubscription = connections.onDidChange(() => this.scheduleRefresh());
  }

  /** Rows at the top of the view, for a session that has data. */
  protected abstract roots(session: ClusterSession): TreeNode[];

  /** Shown when no cluster is connected; the Cluster view returns [] so its welcome content shows. */
  protected emptyMessage(): TreeNode[] {
    return [messageNode('none', 'No cluster connected', 'debug-disconnect', 'Select a kube context, open a snapshot or connect to the demo cluster from the Cluster view.')];
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const collapsible = node.children
      ? node.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, collapsible);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.iconPath = node.icon;
    item.contextValue = node.contextValue;
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (node) return node.children?.() ?? [];
    const session = this.connections.ensureStarted();
    if (!session) return this.emptyMessage();
    this.subscribe(session);
    const phase = session.state.phase;
    if (phase === 'error') return [messageNode('error', `Cannot load ${session.describe()}`, 'error', session.state.detail)];
    const rows = this.roots(session);
    if (rows.length === 0 && (phase === 'connecting' || phase === 'unreachable')) {
      return [messageNode('loading', phase === 'connecting' ? `Loading ${session.describe()}…` : `Cannot reach ${session.describe()}: ${session.state.detail ?? ''}`, phase === 'connecting' ? 'loading~spin' : 'warning')];
    }
    return rows;
  }

  private subscribe(session: ClusterSession): void {
    if (this.subscribedSession === session) return;
    this.storeSubscription?.dispose();
    this.subscribedSession = session;
    this.storeSubscription = session.store.onChange(() => this.scheduleRefresh());
  }

  protected scheduleRefresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, REFRESH_DEBOUNCE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.storeSubscription?.dispose();
    this.connectionSubscription.dispose();
    this.changed.dispose();
  }
}
