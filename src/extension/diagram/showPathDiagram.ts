/**
 * "CNI Lens: Show Path Diagram": from a pod row of a tree (its `ref`, or its id `pod/<ns>/<name>`),
 * with a `{ namespace, name }` or `"ns/name"` argument, or from the palette with a quick pick of the
 * pods (name, namespace, IP, node).
 */
import * as vscode from 'vscode';
import type { ClusterSession } from '../../core/sources/clusterSession';
import type { ExtensionServices } from '../commands/extensionServices';
import type { TraceRequest } from '../../core/analysis/datapath/traceDatapath';
import { DiagramPanel } from './diagramPanel';
import { diagramPodOfTrace } from './diagramModel';
import { podKeyOfArgument } from './podArgument';

interface PodPick extends vscode.QuickPickItem {
  key: string;
}

async function pickPod(session: ClusterSession): Promise<string | undefined> {
  await session.start();
  const pods = [...session.store.list('pod')].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  if (pods.length === 0) {
    void vscode.window.showInformationMessage(`CNI Lens: ${session.describe()} has no pods.`);
    return undefined;
  }
  const items: PodPick[] = pods.map((p) => ({
    key: `${p.namespace}/${p.name}`,
    label: p.name,
    description: [p.namespace, p.ip ?? 'no IP', p.nodeName, p.hostNetwork ? 'host network' : undefined].filter(Boolean).join(' · '),
  }));
  const pick = await vscode.window.showQuickPick(items, { title: 'CNI Lens: Show Path Diagram', placeHolder: 'Pod (name, namespace, IP or node)', matchOnDescription: true });
  return pick?.key;
}

export async function showPathDiagram(services: ExtensionServices, arg?: unknown): Promise<void> {
  const session = services.connections.ensureStarted();
  if (!session) {
    const choice = await vscode.window.showErrorMessage('CNI Lens: no cluster is connected.', 'Select Kube Context', 'Open Snapshot…', 'Connect to Demo Cluster');
    const commands: Record<string, string> = { 'Select Kube Context': 'cniLens.selectContext', 'Open Snapshot…': 'cniLens.openSnapshot', 'Connect to Demo Cluster': 'cniLens.connectDemo' };
    if (choice) await vscode.commands.executeCommand(commands[choice] as string);
    return;
  }
  const podKey = arg === undefined ? await pickPod(session) : podKeyOfArgument(arg);
  if (!podKey) {
    if (arg !== undefined) services.log.warn(`Show Path Diagram: not a pod: ${JSON.stringify(arg)?.slice(0, 200)}`);
    return;
  }
  services.log.info(`path diagram of ${podKey}`);
  DiagramPanel.show(services, podKey);
}

/**
 * A trace command's result in the path diagram, beside its report: the panel of the trace's pod
 * (the source, or the destination of a trace into a pod) with the traced path selected, its verdict
 * badges at the enforcement points. The focus stays on the report.
 */
export function showTraceInDiagram(services: ExtensionServices, request: TraceRequest): void {
  const podKey = diagramPodOfTrace(request);
  if (!podKey) return;
  try {
    DiagramPanel.show(services, podKey, { trace: request, beside: true });
  } catch (err) {
    services.log.warn(`path diagram of the trace ${request.from} → ${request.to}: ${(err as Error).message}`);
  }
}
