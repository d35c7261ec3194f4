import * as vscode from 'vscode';
import type { PodInfo } from '../../core/model';
import type { ClusterSession } from '../../core/sources/clusterSession';
import { showTraceInDiagram } from '../diagram/showPathDiagram';
import { TraceReportPanel } from '../reports/traceReportPanel';
import { traceReportModel } from '../reports/traceReportModel';
import { runtime } from '../runtime';
import type { TreeNode } from '../views/treeNode';
import type { ExtensionServices } from './extensionServices';

interface PodPick extends vscode.QuickPickItem {
  pod: PodInfo;
}

/** The session, loaded: a pick built while the cluster is still listing would miss pods. */
export async function requireSession({ connections }: ExtensionServices): Promise<ClusterSession | undefined> {
  const session = connections.ensureStarted();
  if (!session) {
    void vscode.window.showInformationMessage('CNI Lens: no cluster is connected. Select a kube context, open a snapshot or connect to the demo cluster.');
    return undefined;
  }
  if (session.state.phase === 'connecting') {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `CNI Lens: loading ${session.describe()}…` }, () => session.start());
  }
  return session;
}

/** Quick pick of pods with fuzzy search over namespace/name, IP and node. */
export async function pickPod(session: ClusterSession, title: string, exclude?: string): Promise<PodInfo | undefined> {
  const items: PodPick[] = [...session.store.list('pod')]
    .filter((p) => `${p.namespace}/${p.name}` !== exclude && p.ip)
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))
    .map((pod) => ({ label: `${pod.namespace}/${pod.name}`, description: pod.ip, detail: [pod.nodeName, pod.hostNetwork ? 'host network' : undefined].filter(Boolean).join(' · '), pod }));
  const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'Pod (type a name, namespace, IP or node)', matchOnDescription: true, matchOnDetail: true });
  return pick?.pod;
}

/** Ports offered for a destination: its named and numbered ports, or a number typed in. */
async function pickPort(title: string, ports: Array<{ port: number; protocol: string; name?: string }>): Promise<{ port: number; protocol: 'TCP' | 'UDP' | 'SCTP' } | undefined> {
  const items: Array<vscode.QuickPickItem & { value?: { port: number; protocol: 'TCP' | 'UDP' | 'SCTP' } }> = ports.map((p) => ({
    label: `${p.protocol} ${p.port}`,
    description: p.name,
    value: { port: p.port, protocol: (p.protocol as 'TCP' | 'UDP' | 'SCTP') ?? 'TCP' },
  }));
  items.push({ label: 'Another port…' });
  const pick = items.length > 1 ? await vscode.window.showQuickPick(items, { title, placeHolder: 'Destination port' }) : items[0];
  if (!pick) return undefined;
  if (pick.value) return pick.value;
  const text = await vscode.window.showInputBox({ title, prompt: 'Port, optionally with a protocol: 443 or udp/53', validateInput: (v) => (/^((tcp|udp|sctp)\/)?\d{1,5}$/i.test(v.trim()) && Number(v.trim().split('/').pop()) <= 65535 ? undefined : 'A port from 1 to 65535, e.g. 8443 or udp/53') });
  if (!text) return undefined;
  const [proto, port] = text.includes('/') ? text.trim().split('/') : ['TCP', text.trim()];
  return { port: Number(port), protocol: (proto ?? 'TCP').toUpperCase() as 'TCP' | 'UDP' | 'SCTP' };
}

export function podFromArg(session: ClusterSession, arg: unknown): PodInfo | undefined {
  const node = arg as TreeNode | undefined;
  if (node?.ref?.kind === 'pod') return session.store.get('pod', node.ref.key);
  if (typeof arg === 'string') return session.store.get('pod', arg);
  // hover links pass { namespace, name }
  const ref = arg as { namespace?: unknown; name?: unknown } | undefined;
  if (typeof ref?.namespace === 'string' && typeof ref.name === 'string') return session.store.get('pod', `${ref.namespace}/${ref.name}`);
  return undefined;
}

export async function tracePodToPod(services: ExtensionServices, arg?: unknown): Promise<void> {
  const session = await requireSession(services);
  if (!session) return;
  const from = podFromArg(session, arg) ?? (await pickPod(session, 'Trace Pod to Pod: source'));
  if (!from) return;
  const to = await pickPod(session, `Trace ${from.namespace}/${from.name} to pod`, `${from.namespace}/${from.name}`);
  if (!to) return;
  const port = await pickPort(`Trace ${from.name} → ${to.name}: port`, to.containerPorts);
  if (!port) return;
  await showTrace(services, session, { from: `${from.namespace}/${from.name}`, to: `${to.namespace}/${to.name}`, ...port });
}

export async function tracePodToService(services: ExtensionServices, arg?: unknown): Promise<void> {
  const session = await requireSession(services);
  if (!session) return;
  const from = podFromArg(session, arg) ?? (await pickPod(session, 'Trace Pod to Service: source'));
  if (!from) return;
  const svcs = [...session.store.list('service')].filter((s) => s.clusterIp && s.clusterIp !== 'None').sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const pick = await vscode.window.showQuickPick(svcs.map((s) => ({ label: `${s.namespace}/${s.name}`, description: s.clusterIp, detail: s.ports.map((p) => `${p.protocol} ${p.port}${p.name ? ` (${p.name})` : ''}`).join(', '), svc: s })), { title: `Trace ${from.namespace}/${from.name} to service`, matchOnDescription: true });
  if (!pick) return;
  const port = await pickPort(`Trace ${from.name} → ${pick.label}: port`, pick.svc.ports);
  if (!port) return;
  await showTrace(services, session, { from: `${from.namespace}/${from.name}`, to: `svc:${pick.label}`, ...port });
}

export async function tracePodToIp(services: ExtensionServices, arg?: unknown): Promise<void> {
  const session = await requireSession(services);
  if (!session) return;
  const from = podFromArg(session, arg) ?? (await pickPod(session, 'Trace Pod to IP or Host: source'));
  if (!from) return;
  const ip = (await vscode.window.showInputBox({ title: `Trace ${from.namespace}/${from.name} to an IP`, prompt: 'IPv4 address (an RDS endpoint IP, 1.1.1.1, an on-prem address…)', validateInput: (v) => (/^\d{1,3}(\.\d{1,3}){3}$/.test(v.trim()) ? undefined : 'Not an IPv4 address') }))?.trim();
  if (!ip) return;
  const port = await pickPort(`Trace ${from.name} → ${ip}: port`, [{ port: 443, protocol: 'TCP' }, { port: 53, protocol: 'UDP', name: 'dns' }]);
  if (!port) return;
  await showTrace(services, session, { from: `${from.namespace}/${from.name}`, to: `ip:${ip}`, ...port });
}

export async function traceIntoPod(services: ExtensionServices, arg?: unknown): Promise<void> {
  const session = await requireSession(services);
  if (!session) return;
  const to = podFromArg(session, arg) ?? (await pickPod(session, 'Trace Into Pod: destination'));
  if (!to) return;
  const sources: Array<vscode.QuickPickItem & { from?: string }> = [{ label: 'The internet (world), through a load balancer', from: 'world' }];
  for (const svc of session.store.list('service')) {
    if (svc.type === 'LoadBalancer' && svc.namespace === to.namespace && svc.selector && Object.entries(svc.selector).every(([k, v]) => to.labels[k] === v)) {
      sources.unshift({ label: `Load balancer of Service ${svc.namespace}/${svc.name}`, description: svc.loadBalancerIngress.join(', '), from: `svc-lb:${svc.namespace}/${svc.name}` });
    }
  }
  sources.push({ label: 'An IP address…' });
  const pick = await vscode.window.showQuickPick(sources, { title: `Trace into ${to.namespace}/${to.name}: from` });
  if (!pick) return;
  let from = pick.from === 'world' || pick.from?.startsWith('svc-lb:') ? 'world' : undefined;
  if (!from) {
    const ip = (await vscode.window.showInputBox({ title: 'Source IP', validateInput: (v) => (/^\d{1,3}(\.\d{1,3}){3}$/.test(v.trim()) ? undefined : 'Not an IPv4 address') }))?.trim();
    if (!ip) return;
    from = `ip:${ip}`;
  }
  const port = await pickPort(`Trace into ${to.name}: port`, to.containerPorts);
  if (!port) return;
  await showTrace(services, session, { from, to: `${to.namespace}/${to.name}`, ...port });
}

async function showTrace(services: ExtensionServices, session: ClusterSession, request: { from: string; to: string; port: number; protocol: 'TCP' | 'UDP' | 'SCTP' }): Promise<void> {
  const { result, observed } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'CNI Lens: tracing and reading the observed flows…' },
    () => runtime().traceWithObserved(session, request),
  );
  if (!result.ok) {
    void vscode.window.showErrorMessage(`CNI Lens: cannot trace: --${result.error.argument}: ${result.error.message}`);
    return;
  }
  const trace = result.trace;
  const seen = observed ? (observed.available ? `observed ${observed.verdict}${observed.mismatch ? ' (MISMATCH)' : ''}` : `observed: unavailable (${observed.detail})`) : '';
  services.log.info(`trace ${request.from} → ${request.to} ${request.protocol}/${request.port}: ${trace.verdict}${seen ? `; ${seen}` : ''}`);
  const { report, links } = traceReportModel(trace, session.describe(), observed);
  TraceReportPanel.show(services, session, report, links);
  showTraceInDiagram(services, request);
}
