import * as vscode from 'vscode';
import { COMMANDS } from './commands/commandTable';
import type { ExtensionServices, RegisteredView } from './commands/extensionServices';
import { registerManifestHover } from './manifestHoverProvider';
import { registerObjectDocuments } from './objectDocuments';
import { registerReportDocuments } from './reportDocuments';
import { StoreTreeProvider } from './views/storeTreeProvider';
import { ConnectionManager } from './connectionManager';
import { ExtensionLog } from './extensionLog';
import { registerLoadingProgress } from './loadingProgress';
import { hubbleAccessFromVsCodeSettings, liveTargetFromSettings } from './sessionTarget';
import { createStatusBar } from './statusBar';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = new ExtensionLog();
  const connections = new ConnectionManager(log, liveTargetFromSettings());
  const registered = new Map<string, RegisteredView>();
  const services: ExtensionServices = { context, connections, log, views: registered };
  context.subscriptions.push(log, connections, createStatusBar(connections), registerObjectDocuments(connections), registerReportDocuments(), registerManifestHover(connections, log));

  const views: Array<[string, StoreTreeProvider]> = [
    ['cniLens.cluster', new StoreTreeProvider(connections, 'cluster')],
    ['cniLens.nodes', new StoreTreeProvider(connections, 'nodes')],
    ['cniLens.enis', new StoreTreeProvider(connections, 'enis')],
    ['cniLens.podIps', new StoreTreeProvider(connections, 'podIps')],
    ['cniLens.endpoints', new StoreTreeProvider(connections, 'endpoints')],
  ];
  for (const [id, provider] of views) {
    const view = vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: id !== 'cniLens.cluster' });
    registered.set(id, { provider, view });
    context.subscriptions.push(provider, view);
  }
  context.subscriptions.push(registerLoadingProgress(connections, views.map(([id]) => id)));
  for (const [id, handler] of COMMANDS) {
    context.subscriptions.push(vscode.commands.registerCommand(id, (...args: unknown[]) => handler(services, ...args)));
  }
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('cniLens.kubeconfig') || e.affectsConfiguration('cniLens.context') || e.affectsConfiguration('cniLens.aws')) {
      if (connections.current?.target.kind !== 'snapshot' || !connections.hasTarget) void connections.connect(liveTargetFromSettings());
    } else if (e.affectsConfiguration('cniLens.hubble')) {
      void connections.reconfigureHubble(hubbleAccessFromVsCodeSettings());
    }
  }));
  // the workspace's values of the restricted settings count once the workspace is trusted
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => {
    const target = liveTargetFromSettings();
    if (connections.current?.target.kind !== 'snapshot' && JSON.stringify(target) !== JSON.stringify(connections.current?.target)) void connections.connect(target);
  }));
  log.info(`CNI Lens activated in ${Math.round(performance.now() - started)} ms`);
}

export function deactivate(): void {
  // disposables registered in activate() stop the session and the demo cluster
}
