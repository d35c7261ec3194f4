import * as vscode from 'vscode';
import { unmanagedPods } from '../../core/analysis/clusterSummary';
import type { TreeNode } from '../views/treeNode';
import { objectDocumentUri } from '../objectDocuments';
import { showReport } from '../reportDocuments';
import { revealInTree } from '../diagram/revealPod';
import type { ExtensionServices } from './extensionServices';

function isTreeNode(arg: unknown): arg is TreeNode {
  return typeof arg === 'object' && arg !== null && typeof (arg as TreeNode).id === 'string' && typeof (arg as TreeNode).label === 'string';
}

/** "Filter…" on a view's title bar: rows matching a name, IP or label (and their parents) stay. */
export function filterView(viewId: string) {
  return async ({ views }: ExtensionServices): Promise<void> => {
    const registered = views.get(viewId);
    if (!registered) return;
    const text = await vscode.window.showInputBox({
      title: `Filter ${registered.view.title ?? 'view'}`,
      prompt: 'Name, IP or label (key=value); empty to clear',
      value: registered.provider.filter,
    });
    if (text === undefined) return;
    registered.provider.setFilter(text);
    registered.view.description = text.trim() ? `filter: ${text.trim()}` : undefined;
    await vscode.commands.executeCommand('setContext', `${viewId}.filtered`, text.trim() !== '');
  };
}

export function clearFilter(viewId: string) {
  return async ({ views }: ExtensionServices): Promise<void> => {
    const registered = views.get(viewId);
    if (!registered) return;
    registered.provider.setFilter('');
    registered.view.description = undefined;
    await vscode.commands.executeCommand('setContext', `${viewId}.filtered`, false);
  };
}

export async function copyIp(_services: ExtensionServices, node: unknown): Promise<void> {
  if (!isTreeNode(node) || !node.ip) return;
  await vscode.env.clipboard.writeText(node.ip);
  vscode.window.setStatusBarMessage(`Copied ${node.ip}`, 3000);
}

export async function copyName(_services: ExtensionServices, node: unknown): Promise<void> {
  if (!isTreeNode(node)) return;
  const name = node.ref?.key ?? node.label;
  await vscode.env.clipboard.writeText(name);
  vscode.window.setStatusBarMessage(`Copied ${name}`, 3000);
}

/** The object behind a row as YAML: the snapshot file at its line, or read-only from the cluster. */
export async function openYaml({ connections }: ExtensionServices, node: unknown): Promise<void> {
  if (!isTreeNode(node) || !node.ref) return;
  const session = connections.current;
  if (!session) return;
  const object = session.store.get(node.ref.kind, node.ref.key);
  const origin = object?.origin;
  if (origin?.source === 'snapshot' && origin.file && session.target.kind === 'snapshot') {
    const root = session.target.path;
    const uri = /\.(ya?ml|json)$/i.test(root) ? vscode.Uri.file(root) : vscode.Uri.joinPath(vscode.Uri.file(root), origin.file);
    const line = Math.max(0, (origin.line ?? 1) - 1);
    await vscode.window.showTextDocument(uri, { preview: true, selection: new vscode.Range(line, 0, line, 0) });
    return;
  }
  const doc = await vscode.workspace.openTextDocument(objectDocumentUri(node.ref.kind, node.ref.key));
  await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
  await vscode.window.showTextDocument(doc, { preview: true });
}

/** "Find IP…": what owns an address, then reveal it in its tree. */
export async function findIp(services: ExtensionServices): Promise<void> {
  const session = services.connections.ensureStarted();
  if (!session) {
    void vscode.window.showInformationMessage('CNI Lens: no cluster is connected.');
    return;
  }
  const ip = (await vscode.window.showInputBox({ title: 'CNI Lens: Find IP', prompt: 'An IPv4 address', validateInput: (v) => (/^\d{1,3}(\.\d{1,3}){3}$/.test(v.trim()) ? undefined : 'Not an IPv4 address') }))?.trim();
  if (!ip) return;
  const owners = session.store.ownersOfIp(ip);
  if (owners.length === 0) {
    void vscode.window.showInformationMessage(`CNI Lens: nothing in ${session.describe()} owns ${ip}.`);
    return;
  }
  const picks = owners.map((o) => ({ label: `${o.kind} ${o.key}`, description: o.role, owner: o }));
  const pick = picks.length === 1 ? picks[0] : await vscode.window.showQuickPick(picks, { title: `Owners of ${ip}` });
  if (!pick) return;
  if (!(await revealInTree(services, pick.owner.kind, pick.owner.key))) {
    void vscode.window.showInformationMessage(`CNI Lens: ${ip} is held by ${pick.owner.kind} ${pick.owner.key}.`);
  }
}


/** For pods not managed by Cilium: their owning workloads and the restart that brings them under Cilium. */
export async function showUnmanagedOwners({ connections }: ExtensionServices): Promise<void> {
  const session = connections.current;
  if (!session) return;
  const lines = ['# Pods not managed by Cilium', '', `Source: ${session.describe()}`, '', 'These pods have no CiliumEndpoint: they started before Cilium (or Cilium failed to create one). Cilium enforces no policy for them and Hubble has no endpoint data. Restarting the owning workload brings them under Cilium. CNI Lens never runs these commands; copy them if you decide to.', ''];
  const byOwner = new Map<string, string[]>();
  for (const pod of unmanagedPods(session.store)) {
    const owner = pod.owner ? workloadOf(pod.owner.kind, pod.owner.name) : { kind: 'Pod', name: pod.name };
    const key = `${pod.namespace}\u0000${owner.kind}\u0000${owner.name}`;
    byOwner.set(key, [...(byOwner.get(key) ?? []), pod.name]);
  }
  for (const [key, pods] of byOwner) {
    const [namespace, kind, name] = key.split('\u0000');
    lines.push(`## ${kind} ${namespace}/${name}`, '', ...pods.map((p) => `- pod ${p}`), '', '```sh',
      kind === 'Pod' ? `kubectl -n ${namespace} delete pod ${name}` : `kubectl -n ${namespace} rollout restart ${kind.toLowerCase()}/${name}`, '```', '');
  }
  await showReport('pods not managed by Cilium', lines.join('\n'));
}

/** A ReplicaSet `worker-84bf9588bd` belongs to Deployment `worker` (pod-template-hash suffix). */
function workloadOf(kind: string, name: string): { kind: string; name: string } {
  if (kind === 'ReplicaSet') {
    const m = /^(.*)-[a-z0-9]{6,10}$/.exec(name);
    if (m?.[1]) return { kind: 'Deployment', name: m[1] };
  }
  return { kind, name };
}
