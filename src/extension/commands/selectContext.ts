import * as vscode from 'vscode';
import { runtime } from '../runtime';
import { awsAccessFromSettings, cniLensSetting, liveTargetFromSettings } from '../sessionTarget';
import type { ExtensionServices } from './extensionServices';

interface ContextPick extends vscode.QuickPickItem {
  context?: string;
  browse?: boolean;
}

/** Quick pick of the kubeconfig's contexts (as kubectl reads it), or browse for another kubeconfig. */
export async function selectContext({ connections, log }: ExtensionServices): Promise<void> {
  const configured = cniLensSetting('kubeconfig');
  const kubeconfig = runtime().listKubeContexts(configured);
  if (kubeconfig.error) log.warn(`cannot read kubeconfig ${configured ?? process.env.KUBECONFIG ?? '~/.kube/config'}: ${kubeconfig.error}`);
  const current = connections.current?.label || kubeconfig.current;
  const items: ContextPick[] = kubeconfig.contexts.map((c) => ({
    label: c.name,
    description: [c.name === current ? 'current' : undefined, c.server].filter(Boolean).join(' · '),
    detail: c.namespace ? `namespace ${c.namespace}` : undefined,
    context: c.name,
  }));
  items.push({ label: '$(folder-opened) Browse for a kubeconfig file…', browse: true });
  const pick = await vscode.window.showQuickPick(items, { title: 'CNI Lens: Select Kube Context', placeHolder: items.length > 1 ? 'Context to inspect' : 'No kubeconfig found: browse for one' });
  if (!pick) return;
  let kubeconfigPath = configured;
  let context = pick.context;
  const before = JSON.stringify(liveTargetFromSettings());
  if (pick.browse) {
    const uri = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use kubeconfig', title: 'Kubeconfig file' });
    if (!uri?.[0]) return;
    kubeconfigPath = uri[0].fsPath;
    context = undefined;
    await vscode.workspace.getConfiguration('cniLens').update('kubeconfig', kubeconfigPath, vscode.ConfigurationTarget.Global);
  }
  await vscode.workspace.getConfiguration('cniLens').update('context', context ?? '', vscode.ConfigurationTarget.Global);
  log.info(`selected context ${context ?? '(current)'}${kubeconfigPath ? ` of ${kubeconfigPath}` : ''}`);
  // a changed setting reconnects through the configuration listener; an unchanged one does not
  if (JSON.stringify(liveTargetFromSettings()) === before || connections.current?.target.kind !== 'live') {
    await connections.connect({ kind: 'live', kubeconfigPath, context, aws: awsAccessFromSettings() });
  }
}
