/**
 * Hover on a port: a Service's `port` / `targetPort` / `name` / `nodePort` (the Service → endpoint
 * mapping and the containers behind it), a policy's `port` (which containers of the destination
 * pods expose it; a named port resolved on them), or a container's `containerPort` / port `name`
 * (which Services send to it).
 */
import { parseSelector } from '../analysis/policy/labelSelector';
import type { L4Protocol, PodInfo, ServiceInfo, ServicePort } from '../model';
import { asRecord, asString } from '../project/jsonFields';
import { podKey, type ClusterFacts } from './clusterFacts';
import { containersExposing, resolveNamedPort } from './containerPorts';
import { firstNames, markdownEscape, plural } from './hoverMarkdown';
import { valueAt, type HoverRequest } from './hoverRequest';
import type { PathKey } from './manifestTarget';
import { locateInPolicy, policyKindOf } from './policyLocation';
import { ciliumDestinationPods, npDestinationPods } from './ruleSentence';
import { portText, serviceOf, slicesOf } from './serviceHover';
import { isWorkload } from './workloadHover';

const SERVICE_PORT_FIELDS = new Set(['port', 'targetPort', 'name', 'nodePort']);
const POLICY_PORT_FIELDS = new Set(['port', 'endPort']);
const CONTAINER_PORT_FIELDS = new Set(['containerPort', 'name', 'hostPort']);

export function portHover(req: HoverRequest): string | undefined {
  const { object, path } = req.target;
  const n = path.length;
  const field = path[n - 1];
  if (typeof field !== 'string') return undefined;
  if (object.kind === 'Service' && object.group === '' && n === 4 && path[0] === 'spec' && path[1] === 'ports' && typeof path[2] === 'number' && SERVICE_PORT_FIELDS.has(field)) {
    return servicePortHover(req, path[2]);
  }
  if (POLICY_PORT_FIELDS.has(field) && policyKindOf(object)) return policyPortHover(req);
  if (CONTAINER_PORT_FIELDS.has(field) && n >= 4 && path[n - 3] === 'ports' && typeof path[n - 2] === 'number' && typeof path[n - 4] === 'number') {
    const containers = path[n - 5];
    if ((containers === 'containers' || containers === 'initContainers') && (isWorkload(object.group, object.kind))) return containerPortHover(req, path.slice(0, n - 1));
  }
  return undefined;
}

// ------------------------------------------------------------------ Service ports

function servicePortHover(req: HoverRequest, index: number): string | undefined {
  const ns = req.target.object.namespace ?? 'default';
  const name = req.target.object.name;
  if (!name) return undefined;
  const found = serviceOf(req, ns, name);
  if (!found) return undefined;
  const { svc } = found;
  const raw = asRecord(valueAt(req.target.object.json(), ['spec', 'ports', index]));
  const port = matchPort(svc, raw) ?? svc.ports[index];
  if (!port) return undefined;
  const lines = [`**Service ${markdownEscape(ns)}/${markdownEscape(svc.name)}** port ${portText(port)}`, ''];
  const target = port.targetPort ?? port.port;
  const backends = servicePods(req.facts, svc);
  if (typeof target === 'string') {
    const uses = resolveNamedPort(req.store, backends, target, port.protocol);
    lines.push(`- targetPort ${markdownEscape(target)} is a named port: ${uses.length === 0 ? `no backend pod declares it` : uses.map((u) => `${u.port}/${u.protocol} on ${plural(u.pods.length, 'pod')}${u.containers.length > 0 ? ` (container ${u.containers.map((c) => markdownEscape(c)).join(', ')})` : ''}`).join('; ')}`);
  } else {
    lines.push(`- targetPort ${target}: ${exposedText(containersExposing(backends, target, port.protocol))}`);
  }
  for (const slice of slicesOf(req.store, svc)) {
    const sp = slice.ports.find((p) => (port.name === undefined || p.name === port.name) && p.protocol === port.protocol);
    const ready = slice.endpoints.filter((e) => e.ready);
    const addrs = ready.flatMap((e) => e.addresses.map((a) => `${e.targetRef?.name ?? a} ${a}:${sp?.port ?? '?'}`));
    lines.push(`- EndpointSlice ${markdownEscape(slice.name)}: ${port.port}/${port.protocol} → ${sp?.port ?? 'unknown'} on ${plural(ready.length, 'ready endpoint')}${addrs.length > 0 ? ` (${firstNames(addrs, 4)})` : ''}`);
  }
  if (port.nodePort !== undefined) lines.push(`- NodePort ${port.nodePort} on every node forwards to the same backends`);
  return lines.join('\n');
}

function matchPort(svc: ServiceInfo, raw: Record<string, unknown> | undefined): ServicePort | undefined {
  if (!raw) return undefined;
  const name = asString(raw.name);
  return svc.ports.find((p) => (name !== undefined ? p.name === name : p.port === raw.port));
}

function servicePods(facts: ClusterFacts, svc: ServiceInfo): PodInfo[] {
  // the EndpointSlices' pods first (what is ready now), else the selector's
  const pods = new Map<string, PodInfo>();
  for (const slice of slicesOf(facts.store, svc)) {
    for (const ep of slice.endpoints) {
      if (ep.targetRef?.kind !== 'Pod') continue;
      const pod = facts.store.get('pod', `${ep.targetRef.namespace ?? svc.namespace}/${ep.targetRef.name}`);
      if (pod) pods.set(podKey(pod), pod);
    }
  }
  if (pods.size > 0 || !svc.selector) return [...pods.values()];
  return facts.podsMatching(parseSelector({ matchLabels: svc.selector }, { cilium: false }), [svc.namespace], { hostNetwork: true });
}

function exposedText(exposed: ReturnType<typeof containersExposing>): string {
  if (exposed.length === 0) return 'no backend pod declares this port (a container may still listen on it)';
  return exposed.map((e) => `container ${markdownEscape(e.container)}${e.name ? ` (named ${markdownEscape(e.name)})` : ''} on ${plural(e.pods.length, 'pod')}`).join('; ');
}

// ------------------------------------------------------------------ policy ports

function policyPortHover(req: HoverRequest): string | undefined {
  const { target, facts } = req;
  const loc = locateInPolicy(target.object, target.path);
  if (!loc) return undefined;
  let dest: PodInfo[];
  let protocol: L4Protocol | 'ANY';
  let direction: 'ingress' | 'egress';
  const raw = asRecord(valueAt(target.object.json(), target.path.slice(0, -1)));
  const protoText = asString(raw?.protocol)?.toUpperCase();
  if (loc.kind === 'NetworkPolicy') {
    if (!loc.direction || !loc.rule || loc.rest[0] !== 'ports') return undefined;
    direction = loc.direction;
    dest = npDestinationPods(facts, loc.policy, loc.direction, loc.rule);
    protocol = protoText === 'UDP' || protoText === 'SCTP' ? protoText : 'TCP';
  } else {
    if (!loc.rule || !loc.section || !loc.entry || loc.rest[0] !== 'toPorts') return undefined;
    direction = loc.section.startsWith('ingress') ? 'ingress' : 'egress';
    dest = ciliumDestinationPods(facts, loc.rule, loc.entry);
    protocol = protoText === 'TCP' || protoText === 'UDP' || protoText === 'SCTP' ? protoText : 'ANY';
  }
  const value = valueAt(target.object.json(), target.path);
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;
  if (!text) return undefined;
  const whose = direction === 'ingress' ? 'the selected pods' : 'the destination pods of this rule';
  const protoWords = protocol === 'ANY' ? 'any protocol' : protocol;
  const lines = [`**Port ${markdownEscape(text)}** (${protoWords}), on ${whose}: ${plural(dest.length, 'pod')}`, ''];
  if (/^\d+$/.test(text)) {
    lines.push(`- ${exposedText(containersExposing(dest, Number(text), protocol))}`);
  } else {
    const uses = resolveNamedPort(req.store, dest, text, protocol);
    lines.push(`- named port ${markdownEscape(text)}: ${uses.length === 0 ? (dest.length === 0 ? 'no destination pod to resolve it on' : 'no destination pod declares it: the rule matches no port on them') : uses.map((u) => `${u.port}/${u.protocol} on ${plural(u.pods.length, 'pod')}${u.containers.length > 0 ? ` (container ${u.containers.map((c) => markdownEscape(c)).join(', ')})` : ''}`).join('; ')}`);
  }
  if (direction === 'egress' && dest.length === 0) lines.push('- the rule\'s destinations are not pods of the cluster (CIDRs, entities, or nothing matched)');
  return lines.join('\n');
}

// ------------------------------------------------------------------ container ports

function containerPortHover(req: HoverRequest, portPath: PathKey[]): string | undefined {
  const { object } = req.target;
  const json = object.json();
  const raw = asRecord(valueAt(json, portPath));
  const number = typeof raw?.containerPort === 'number' ? raw.containerPort : undefined;
  const name = asString(raw?.name);
  const protocol = (asString(raw?.protocol)?.toUpperCase() ?? 'TCP') as L4Protocol;
  const container = asString(asRecord(valueAt(json, portPath.slice(0, -2)))?.name) ?? 'container';
  if (number === undefined && name === undefined) return undefined;
  const ns = object.namespace ?? 'default';
  const labels = podTemplateLabels(object.kind, json);
  const lines = [`**${name ? `${markdownEscape(name)} ` : ''}${number ?? '?'}/${protocol}** of container ${markdownEscape(container)}`, ''];
  const services: string[] = [];
  for (const svc of req.store.list('service')) {
    if (svc.namespace !== ns || !svc.selector || !labels) continue;
    if (!Object.entries(svc.selector).every(([k, v]) => labels[k] === v)) continue;
    for (const p of svc.ports) {
      if (p.protocol !== protocol) continue;
      const t = p.targetPort ?? p.port;
      if ((typeof t === 'string' && t === name) || (typeof t === 'number' && t === number)) services.push(`Service ${svc.name} ${p.port}/${p.protocol} → ${t}${svc.clusterIp ? ` (ClusterIP ${svc.clusterIp})` : ''}`);
    }
  }
  lines.push(`- ${services.length === 0 ? `no Service of namespace ${markdownEscape(ns)} sends to it` : `exposed by ${firstNames(services, 4)}`}`);
  return lines.join('\n');
}

/** The labels the workload's pods carry: a Pod's own, else the pod template's. */
function podTemplateLabels(kind: string, json: Record<string, unknown>): Record<string, string> | undefined {
  const spec = asRecord(json.spec);
  const meta = kind === 'Pod' ? asRecord(json.metadata) : kind === 'CronJob' ? asRecord(asRecord(asRecord(asRecord(spec?.jobTemplate)?.spec)?.template)?.metadata) : asRecord(asRecord(spec?.template)?.metadata);
  const labels = asRecord(meta?.labels);
  if (!labels) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}
