/**
 * "Reveal in tree" for the diagram: selects the object's row in its tree view (Pod IPs for pods,
 * Nodes, ENIs, Cilium Endpoints), through the views the extension registered in `services.views`.
 */
import * as vscode from 'vscode';
import type { ClusterStore } from '../../core/store/clusterStore';
import type { ExtensionServices } from '../commands/extensionServices';

/** The view and the row id of an object in the trees (ids as the views build them). */
export function treeRowOf(store: ClusterStore | undefined, kind: string, key: string): { view: string; id: string } | undefined {
  switch (kind) {
    case 'pod':
      return { view: 'cniLens.podIps', id: `pod/${key}` };
    case 'ciliumEndpoint':
      return { view: 'cniLens.endpoints', id: `cep/${key}` };
    case 'node':
      return { view: 'cniLens.nodes', id: `node/${key}` };
    case 'eni': {
      const subnet = store?.get('eni', key)?.subnetId;
      return subnet ? { view: 'cniLens.enis', id: `subnet/${subnet}/eni/${key}` } : { view: 'cniLens.enis', id: '' };
    }
    default:
      return undefined;
  }
}

/** Selects the pod `namespace/name` in the Pod IPs view. */
export function revealPod(services: ExtensionServices, namespace: string, name: string): Promise<boolean> {
  return revealInTree(services, 'pod', `${namespace}/${name}`);
}

/** Selects the object's row; when the row cannot be found, focuses its view and says where to look. */
export async function revealInTree(services: ExtensionServices, kind: string, key: string): Promise<boolean> {
  const target = treeRowOf(services.connections.current?.store, kind, key);
  if (!target) return false;
  const registered = services.views.get(target.view);
  const node = target.id ? registered?.provider.findNode(target.id) : undefined;
  if (registered && node) {
    await registered.view.reveal(node, { select: true, focus: true, expand: true });
    return true;
  }
  await vscode.commands.executeCommand(`${target.view}.focus`);
  vscode.window.setStatusBarMessage(`CNI Lens: ${kind} ${key} is not shown in this view (filtered out or not loaded)`, 6000);
  return false;
}
