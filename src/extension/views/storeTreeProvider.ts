import * as vscode from 'vscode';
import { TreeController } from '../../core/tree/treeController';
import { TREE_MODELS, type TreeViewName } from '../../core/tree/treeModels';
import type { RowIcon } from '../../core/tree/treeRow';
import type { ConnectionManager } from '../connectionManager';
import type { TreeNode } from './treeNode';

/**
 * A CNI Lens tree view: adapts a `TreeController` (rows, filter, reveal, per-row refresh on store
 * changes, all editor-independent) to VS Code's TreeDataProvider. Icons become ThemeIcons and
 * tooltips MarkdownStrings here, and nowhere else.
 */
export class StoreTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly controller: TreeController;
  private readonly connectionSubscription: vscode.Disposable;

  constructor(connections: ConnectionManager, view: TreeViewName) {
    this.controller = new TreeController(TREE_MODELS[view], connections, (refresh) => this.changed.fire(refresh ? [...refresh] : undefined));
    this.connectionSubscription = connections.onDidChange(() => this.controller.refreshAll());
  }

  /** Filter of this view: a row shows when it or a descendant matches (name, IP, label). */
  get filter(): string {
    return this.controller.filter;
  }

  setFilter(text: string): void {
    this.controller.setFilter(text);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this.controller.getParent(node);
  }

  /** Finds a row by id, expanding rows breadth-first down to `maxDepth` (for reveal). */
  findNode(id: string, maxDepth = 3): TreeNode | undefined {
    return this.controller.findNode(id, maxDepth);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    return this.controller.getChildren(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const collapsible = node.children
      ? node.expanded || this.controller.filter ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, collapsible);
    item.id = node.id;
    item.description = node.description;
    // a tooltip built on hover is left undefined here: VS Code then asks resolveTreeItem for it
    item.tooltip = typeof node.tooltip === 'string' ? markdown(node.tooltip) : undefined;
    item.iconPath = node.icon ? themeIcon(node.icon) : undefined;
    item.contextValue = node.contextValue;
    return item;
  }

  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    if (item.tooltip === undefined && typeof node.tooltip === 'function') {
      try {
        item.tooltip = markdown(node.tooltip());
      } catch (err) {
        item.tooltip = `Cannot show this row's details: ${(err as Error)?.message ?? String(err)}`;
      }
    }
    return item;
  }

  dispose(): void {
    this.controller.dispose();
    this.connectionSubscription.dispose();
    this.changed.dispose();
  }
}

function themeIcon(icon: RowIcon): vscode.ThemeIcon {
  return new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
}

function markdown(text: string): vscode.MarkdownString {
  const m = new vscode.MarkdownString(text);
  m.supportHtml = false;
  m.isTrusted = false;
  return m;
}

