import * as vscode from 'vscode';

/** A row of a CNI Lens tree: plain data, mapped to a TreeItem by `StoreTreeProvider`. */
export interface TreeNode {
  /** Stable across refreshes, so VS Code keeps expansion state. */
  id: string;
  label: string;
  description?: string;
  tooltip?: vscode.MarkdownString | string;
  icon?: vscode.ThemeIcon;
  contextValue?: string;
  /** Children computed when the row is expanded. */
  children?: () => TreeNode[];
  expanded?: boolean;
  /** The store object this row shows (for Copy Name, Open YAML, Show Path Diagram). */
  ref?: { kind: 'pod' | 'node' | 'eni' | 'ciliumEndpoint' | 'subnet' | 'service' | 'networkPolicy'; key: string };
  /** The IP this row is about (for Copy IP). */
  ip?: string;
  /** More text the view filter matches (labels, IPs) besides label and description. */
  searchText?: string;
}

export function messageNode(id: string, label: string, icon = 'info', tooltip?: string): TreeNode {
  return { id, label, icon: new vscode.ThemeIcon(icon), tooltip };
}

export function md(text: string): vscode.MarkdownString {
  const m = new vscode.MarkdownString(text);
  m.supportHtml = false;
  m.isTrusted = false;
  return m;
}

/** Escapes text from the cluster for Markdown: names and labels cannot inject links or HTML. */
export function esc(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`);
}
