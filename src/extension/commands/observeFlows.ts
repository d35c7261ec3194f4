import * as vscode from 'vscode';
import { FlowsPanel } from '../flows/flowsPanel';
import type { ExtensionServices } from './extensionServices';
import { pickPod, podFromArg, requireSession } from './traceCommands';

/** "CNI Lens: Observe Flows": the pod of a tree row (or a hover link), else one picked from the cluster. */
export async function observeFlows(services: ExtensionServices, arg?: unknown): Promise<void> {
  const session = await requireSession(services);
  if (!session) return;
  const pod = podFromArg(session, arg) ?? (await pickPod(session, 'Observe Flows: pod'));
  if (!pod) return;
  if (!session.flows) {
    void vscode.window.showWarningMessage(`CNI Lens: ${session.describe()} has no flows yet; try again once it has loaded.`);
    return;
  }
  FlowsPanel.show(services, session, pod);
}
