import * as vscode from 'vscode';
import { runtime } from '../runtime';
import type { ExtensionServices } from './extensionServices';

/** Starts the simulated demo cluster in the extension host and connects to it. */
export async function connectDemo({ context, connections, log }: ExtensionServices): Promise<void> {
  try {
    const demo = await vscode.window.withProgress({ location: { viewId: 'cniLens.cluster' }, title: 'Starting the demo cluster' }, () =>
      runtime().startEmbeddedDemo(context.extensionPath, context.globalStorageUri.fsPath),
    );
    log.info(`demo cluster started; kubeconfig ${demo.kubeconfigPath}`);
    await connections.connect(demo.target, demo.stop);
  } catch (err) {
    log.error(`cannot start the demo cluster: ${(err as Error).message}`);
    const action = await vscode.window.showErrorMessage(`CNI Lens: cannot start the demo cluster: ${(err as Error).message}`, 'Show Log');
    if (action) log.channel.show();
  }
}
