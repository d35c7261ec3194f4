import * as vscode from 'vscode';
import { sessionPhaseText } from '../core/sources/sourceFreshness';
import type { ConnectionManager } from './connectionManager';

const ICONS: Record<string, string> = {
  none: '$(debug-disconnect)',
  connecting: '$(sync~spin)',
  connected: '$(plug)',
  reconnecting: '$(sync~spin)',
  unreachable: '$(warning)',
  error: '$(error)',
};

/** Shows the current kube context (or snapshot) and the connection state. */
export function createStatusBar(connections: ConnectionManager): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('cniLens.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'CNI Lens';
  item.command = 'cniLens.selectContext';
  const update = () => {
    const session = connections.current;
    const state = connections.contextValue();
    const offline = session?.target.kind === 'snapshot';
    const label = session?.label || (state === 'none' ? 'no cluster' : 'kube context');
    const stateText = offline && state === 'connected' ? 'offline snapshot' : state === 'none' ? 'not connected' : sessionPhaseText(state);
    item.text = `${offline ? '$(archive)' : ICONS[state] ?? ''} ${label} · ${stateText}`;
    item.tooltip = new vscode.MarkdownString(
      `**CNI Lens** — ${session ? session.describe() : 'no cluster'}\n\nState: ${stateText}${session?.state.detail ? ` (${escapeMarkdown(session.state.detail)})` : ''}\n\nClick to select a kube context.`,
    );
    item.backgroundColor = state === 'unreachable' || state === 'error' || state === 'reconnecting' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };
  update();
  const sub = connections.onDidChange(update);
  return vscode.Disposable.from(item, sub);
}

export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}
