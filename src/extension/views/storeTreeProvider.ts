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

  /**
   * Source names (`kubernetes pods`, `ec2`, `ipamd`…) whose problems this view shows as rows at its
   * top: a forbidden resource names the permission it needs, a missing CRD says what was not found.
   */
  protected sourcesShown(): readonly string[] {
    return [];
  }

  private sourceRows(session: ClusterSession): TreeNode[] {
    const wanted = new Set(this.sourcesShown());
    return session.sources
      .filter((s) => wanted.has(s.name) && s.state !== 'ok')
      .map((s) => {
        const resource = s.name.startsWith('kubernetes ') ? s.name.slice('kubernetes '.length) : s.name;
        const icon = s.state === 'forbidden' ? 'lock' : s.state === 'missing' ? 'circle-slash' : s.state === 'not-configured' ? 'info' : 'warning';
        const head = s.state === 'forbidden' ? `Forbidden: ${resource}` : s.state === 'missing' ? `Not found: ${resource}` : s.state === 'not-configured' ? `${resource}: not configured` : `${resource}: ${s.state}`;
        const node = messageNode(`source/${s.name}`, head, icon, s.detail);
        node.description = s.detail;
        return node;
      });
  }

  /** Shown when no cluster is connected; the Cluster view returns [] so its welcome content shows. */
  protected emptyMessage(): TreeNode[] {
    return [messageNode('none', 'No cluster connected', 'debug-disconnect', 'Select a kube context, open a snapshot or connect to the demo cluster from the Cluster view.')];
  }

  private filterText = '';
  private readonly parents = new Map<string, TreeNode | undefined>();

  /** Filter of this view: a row shows when it or a descendant matches (name, IP, label). */
  get filter(): string {
    return this.filterText;
  }

  setFilter(text: string): void {
    this.filterText = text.trim().toLowerCase();
    this.changed.fire(undefined);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this.parents.get(node.id);
  }

  /** Finds a row by id, expanding rows breadth-first down to `maxDepth` (for reveal). */
  findNode(id: string, maxDepth = 3): TreeNode | undefined {
    let level = this.getChildren();
    for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
      const hit = level.find((n) => n.id === id);
      if (hit) return hit;
      level = level.flatMap((n) => (n.children ? this.getChildren(n) : []));
    }
    return undefined;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const collapsible = node.children
      ? node.expanded || this.filterText ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed
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
    const rows = this.rowsOf(node);
    for (const row of rows) this.parents.set(row.id, node);
    return rows;
  }

  private rowsOf(node?: TreeNode): TreeNode[] {
    if (node) return this.applyFilter(node.children?.() ?? [], this.matches(node));
    const session = this.connections.ensureStarted();
    if (!session) return this.emptyMessage();
    this.subscribe(session);
    const phase = session.state.phase;
    if (phase === 'error') return [messageNode('error', `Cannot load ${session.describe()}`, 'error', session.state.detail)];
    const rows = [...this.sourceRows(session), ...this.applyFilter(this.roots(session), false)];
    if (this.filterText && rows.length === 0) return [messageNode('no-match', `Nothing matches "${this.filterText}"`, 'filter')];
    if (rows.length === 0 && (phase === 'connecting' || phase === 'unreachable')) {
      return [messageNode('loading', phase === 'connecting' ? `Loading ${session.describe()}…` : `Cannot reach ${session.describe()}: ${session.state.detail ?? ''}`, phase === 'connecting' ? 'loading~spin' : 'warning')];
    }
    return rows;
  }

  private matches(node: TreeNode): boolean {
    if (!this.filterText) return true;
    return `${node.label} ${node.description ?? ''} ${node.searchText ?? ''}`.toLowerCase().includes(this.filterText);
  }

  /** Keeps rows that match or have a matching descendant; all rows when the parent matched. */
  private applyFilter(rows: TreeNode[], parentMatched: boolean): TreeNode[] {
    if (!this.filterText || parentMatched) return rows;
    return rows.filter((row) => this.matches(row) || (row.children !== undefined && row.children().some((child) => this.matches(child) || (child.children?.().some((g) => this.matches(g)) ?? false))));
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
