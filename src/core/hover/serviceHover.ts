/**
 * Hover on a Service's name: its ClusterIP, ports, backends (EndpointSlices, else the pods its
 * selector matches), a load balancer in front of it, and where the ClusterIP is translated: by
 * Cilium at the socket (socket LB), by Cilium per packet at the client pod's veth, or by
 * kube-proxy's iptables rules — from the Cilium settings and the client's management.
 */
import { LB_TARGET_TYPE } from '../analysis/datapath/loadBalancerPath';
import { nlbEnisOfHostname } from '../analysis/datapath/vpcLookup';
import { parseSelector } from '../analysis/policy/labelSelector';
import type { EndpointSliceInfo, ServiceInfo, ServicePort } from '../model';
import { projectKubeObject } from '../project/projectKube';
import type { ClusterStore } from '../store/clusterStore';
import type { ClusterFacts } from './clusterFacts';
import { firstNames, markdownEscape, plural } from './hoverMarkdown';
import type { HoverRequest } from './hoverRequest';

export function serviceHover(req: HoverRequest): string | undefined {
  const { target } = req;
  const { object } = target;
  if (object.kind !== 'Service' || object.group !== '') return undefined;
  if (target.isKey || target.path.length !== 2 || target.path[0] !== 'metadata' || target.path[1] !== 'name' || !target.text) return undefined;
  const ns = object.namespace ?? 'default';
  const found = serviceOf(req, ns, target.text);
  if (!found) return undefined;
  const { svc, fromManifest } = found;
  const lines: string[] = [];
  const ips = svc.clusterIps.length > 0 ? svc.clusterIps : svc.clusterIp ? [svc.clusterIp] : [];
  const ipText = ips.length === 0 ? (fromManifest ? 'no ClusterIP yet (not in the source)' : 'no ClusterIP') : ips[0] === 'None' ? 'headless (clusterIP: None)' : `ClusterIP ${ips.map((ip) => markdownEscape(ip)).join(', ')}`;
  lines.push(`**Service ${markdownEscape(ns)}/${markdownEscape(svc.name)}** (${markdownEscape(svc.type)}): ${ipText}`);
  if (fromManifest) lines.push('', `Not found in ${markdownEscape(req.sourceLabel)}: shown from the manifest.`);
  if (svc.ports.length > 0) lines.push('', `- **Ports**: ${svc.ports.map(portText).join(', ')}`);
  lines.push(...backendLines(req.facts, svc));
  lines.push(...loadBalancerLines(req.store, svc));
  if (ips.length > 0 && ips[0] !== 'None') lines.push(`- **Translation**: ${translationText(req.facts)}`);
  return lines.join('\n');
}

/** The Service from the store, else projected from the manifest. */
export function serviceOf(req: HoverRequest, ns: string, name: string): { svc: ServiceInfo; fromManifest: boolean } | undefined {
  const stored = req.store.get('service', `${ns}/${name}`);
  if (stored) return { svc: stored, fromManifest: false };
  const projected = projectKubeObject({ ...req.target.object.json(), metadata: { name, namespace: ns } }, { source: 'snapshot', detail: 'the manifest being edited' });
  return projected?.kind === 'service' ? { svc: projected.value as ServiceInfo, fromManifest: true } : undefined;
}

export function portText(p: ServicePort): string {
  const target = p.targetPort !== undefined && p.targetPort !== p.port ? ` → ${markdownEscape(String(p.targetPort))}` : '';
  const node = p.nodePort !== undefined ? ` (NodePort ${p.nodePort})` : '';
  return `${p.name ? `${markdownEscape(p.name)} ` : ''}${p.port}/${p.protocol}${target}${node}`;
}

export function slicesOf(store: ClusterStore, svc: { namespace: string; name: string }): EndpointSliceInfo[] {
  return store.endpointSlicesOfService(svc.namespace, svc.name).sort((a, b) => a.name.localeCompare(b.name));
}

function backendLines(facts: ClusterFacts, svc: ServiceInfo): string[] {
  const slices = slicesOf(facts.store, svc);
  if (slices.length > 0) {
    const ready: string[] = [];
    let notReady = 0;
    const ports = new Set<string>();
    for (const slice of slices) {
      for (const p of slice.ports) if (p.port !== undefined) ports.add(`${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol}`);
      for (const ep of slice.endpoints) {
        if (!ep.ready) {
          notReady++;
          continue;
        }
        const who = ep.targetRef ? `${ep.targetRef.name}` : 'no pod';
        for (const a of ep.addresses) ready.push(`${who} (${a})`);
      }
    }
    const names = slices.map((s) => s.name);
    return [
      `- **Backends** (EndpointSlice ${firstNames(names, 3)}): ${plural(ready.length, 'ready endpoint')}${notReady > 0 ? `, ${notReady} not ready` : ''}${ready.length > 0 ? `: ${firstNames(ready)}` : ''}`,
      ...(ports.size > 0 ? [`- **Endpoint ports**: ${[...ports].map((p) => markdownEscape(p)).join(', ')}`] : []),
    ];
  }
  if (!svc.selector) return ['- **Backends**: no selector and no EndpointSlice: endpoints are managed by hand'];
  const selector = parseSelector({ matchLabels: svc.selector }, { cilium: false });
  const pods = facts.podsMatching(selector, [svc.namespace], { hostNetwork: true });
  return [`- **Backends** (no EndpointSlice; by selector ${markdownEscape(Object.entries(svc.selector).map(([k, v]) => `${k}=${v}`).join(','))}): ${plural(pods.length, 'pod')}${pods.length > 0 ? `: ${firstNames(pods.map((p) => `${p.name} (${p.ip ?? 'no IP'})`))}` : ''}`];
}

function loadBalancerLines(store: ClusterStore, svc: ServiceInfo): string[] {
  if (svc.type !== 'LoadBalancer') return [];
  const lines: string[] = [];
  const targetType = svc.annotations[LB_TARGET_TYPE];
  for (const host of svc.loadBalancerIngress) {
    const enis = nlbEnisOfHostname(store, host);
    const eniText = enis.length > 0 ? `: NLB ENIs ${firstNames(enis.map((e) => `${e.id} ${e.primaryIp ?? ''}`.trim()))}` : '';
    lines.push(`- **Load balancer** ${markdownEscape(host)}${eniText}`);
  }
  if (svc.loadBalancerIngress.length === 0) lines.push('- **Load balancer**: no address yet');
  lines.push(
    targetType === 'ip'
      ? '- NLB target type ip: the NLB sends to the pod IPs directly (its private IPs are the source, the entity world to Cilium); no ClusterIP or NodePort translation on that path'
      : '- NLB target type instance: traffic arrives on the NodePort of a node, then is translated like ClusterIP traffic',
  );
  return lines;
}

/** Where a ClusterIP is translated, from the Cilium settings. */
function translationText(facts: ClusterFacts): string {
  const { cilium } = facts.settings;
  const kubeProxy = facts.store.get('daemonSet', 'kube-system/kube-proxy') !== undefined;
  const kp = kubeProxy ? 'kube-proxy (iptables, per packet)' : 'kube-proxy if it runs (no kube-system/kube-proxy DaemonSet in the source)';
  if (!cilium.present && facts.store.count('ciliumEndpoint') === 0) return `${kp} for every client: Cilium is not detected`;
  const settingsText = `kube-proxy-replacement=${markdownEscape(cilium.kubeProxyReplacement.value)}, socket LB ${cilium.socketLb.value ? 'on' : 'off'}`;
  if (cilium.socketLb.value) {
    if (cilium.config['bpf-lb-sock-hostns-only'] === 'true') {
      return `Cilium socket LB at connect() for host-network clients; Cilium per packet at the veth for managed pods, ${kp} for unmanaged pods (${settingsText}, bpf-lb-sock-hostns-only)`;
    }
    return `Cilium socket LB: connect()/sendmsg() is rewritten to a backend, no packet carries the ClusterIP (${settingsText})`;
  }
  const census = facts.census();
  const managed = census.managedCount;
  const unmanaged = census.unmanagedPods.length;
  return `Cilium per packet at the client pod's veth (cil_from_container) for managed pods (${managed}); ${kp} for unmanaged pods (${unmanaged}) and host-network clients (${settingsText})`;
}

