import * as vscode from 'vscode';
import type { ExtensionServices } from './extensionServices';

/** Offline mode: a snapshot directory or a YAML file of Kubernetes objects. */
export async function openSnapshot({ connections, log }: ExtensionServices, target?: unknown): Promise<void> {
  let path = target instanceof vscode.Uri ? target.fsPath : typeof target === 'string' ? target : undefined;
  if (!path) {
    const uri = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false, openLabel: 'Open Snapshot', title: 'CNI Lens: snapshot directory or manifest file' });
    path = uri?.[0]?.fsPath;
  }
  if (!path) return;
  log.info(`opening snapshot ${path}`);
  await connections.connect({ kind: 'snapshot', path });
}
