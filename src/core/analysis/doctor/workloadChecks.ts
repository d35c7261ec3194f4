/**
 * Checks on what runs: pods not managed by Cilium, IP collisions (two pods, a pod and a node's
 * cilium_host IP, two ENIs) and per-node capacity.
 */
import type { NodeCapacity } from '../../capacity/nodeCapacity';
import type { EniInfo, PodInfo } from '../../model';
import { DOCS, capacitiesSteps, ciliumActive, ev, listed, plural, vpcCniActive, type CheckResult, type DoctorCheck, type DoctorContext } from './context';
import { IpHolders, sortSteps, type Steps } from './steps';
import type { Evidence, FindingObject } from './types';
import { isUnmanagedPod } from '../unmanagedPod';

const TERMINAL = new Set(['Succeeded', 'Failed']);

/** Objects between two yields of a check that walks every pod, ENI or node. */
const PER_STEP = 256;

function podRef(p: PodInfo): string {
  return `${p.namespace}/${p.name}`;
}

function podObject(p: PodInfo): FindingObject {
  return { kind: 'Pod', namespace: p.namespace, name: p.name };
}

/** The pod's controller and the command that replaces the pod. */
export function restartCommand(pod: PodInfo): { owner: string; command: string; inferred: boolean } {
  const del = `kubectl -n ${pod.namespace} delete pod ${pod.name}`;
  const o = pod.owner;
  if (!o) return { owner: 'no controller', command: `${del}  # no controller: re-create it from its manifest`, inferred: false };
  if (o.kind === 'ReplicaSet') {
    const hash = pod.labels['pod-template-hash'];
    if (hash && o.name.endsWith(`-${hash}`) && o.name.length > hash.length + 1) {
      const deployment = o.name.slice(0, -(hash.length + 1));
      return { owner: `Deployment ${deployment} (ReplicaSet ${o.name})`, command: `kubectl -n ${pod.namespace} rollout restart deployment/${deployment}`, inferred: true };
    }
    return { owner: `ReplicaSet ${o.name}`, command: del, inferred: false };
  }
  if (o.kind === 'StatefulSet' || o.kind === 'DaemonSet' || o.kind === 'Deployment') {
    return { owner: `${o.kind} ${o.name}`, command: `kubectl -n ${pod.namespace} rollout restart ${o.kind.toLowerCase()}/${o.name}`, inferred: false };
  }
  return { owner: `${o.kind} ${o.name}`, command: del, inferred: false };
}

export const unmanagedPodsCheck: DoctorCheck = {
  id: 'cilium.unmanaged-pods',
  name: 'Pods managed by Cilium',
  group: 'workloads',
  docs: DOCS.unmanaged,
  applies: (ctx) => (ciliumActive(ctx.mode) ? true : ctx.mode === 'vpc-cni-only' ? 'Cilium was not detected: pods are handled by the VPC CNI alone' : 'Cilium was not detected'),
  steps: (ctx) => unmanagedPodsSteps(ctx),
};

function* unmanagedPodsSteps(ctx: DoctorContext): Steps<CheckResult> {
  const cepSource = ctx.kubernetesProblems.find((s) => s.name === 'kubernetes ciliumendpoints');
  const ceps = ctx.store.count('ciliumEndpoint');
  if (cepSource) {
    return {
      severity: 'info',
      title: 'CiliumEndpoints could not be listed: pods not managed by Cilium are not known',
      detail: `${cepSource.name}: ${cepSource.state}${cepSource.detail ? ` (${cepSource.detail})` : ''}. Without CiliumEndpoints every pod would look unmanaged, so this check did not run.`,
      fix: 'Grant list/watch on ciliumendpoints.cilium.io to the identity CNI Lens uses (kubectl auth can-i list ciliumendpoints.cilium.io -A).',
      evidence: [ev('kubernetes ciliumendpoints', cepSource.state, { source: 'kubernetes-api', detail: cepSource.detail ?? cepSource.state })],
    };
  }
  // the pods Cilium should manage but has no CiliumEndpoint for (`unmanagedPods`), by namespace/name
  // (a pod's store key is its namespace/name, the key of its CiliumEndpoint: the store's own strings look up fastest)
  const found: Array<{ ref: string; pod: PodInfo }> = [];
  const keys = [...ctx.store.keys('pod')];
  const all = [...ctx.store.list('pod')];
  let n = 0;
  for (let i = 0; i < all.length; i++) {
    if (++n % PER_STEP === 0) yield;
    const pod = all[i] as PodInfo;
    const ref = pod.namespace ? (keys[i] as string) : podRef(pod);
    if (isUnmanagedPod(ctx.store, pod, ref)) found.push({ ref, pod });
  }
  const pods = (yield* sortSteps(found, (a, b) => a.ref.localeCompare(b.ref))).map((x) => x.pod);
  if (pods.length === 0) {
    return {
      severity: 'ok',
      title: 'Every running pod on the pod network has a CiliumEndpoint',
      detail: `${plural(ceps, 'CiliumEndpoint')}; no running, non-host-network pod is without one.`,
      fix: 'Nothing to change.',
      evidence: [ev('CiliumEndpoints', ceps, { source: 'inferred', detail: 'CiliumEndpoint objects in the store' })],
    };
  }
  const lines: string[] = [];
  const commands = new Set<string>();
  const evidence: Evidence[] = [];
  for (const p of pods) {
    if (++n % PER_STEP === 0) yield;
    const r = restartCommand(p);
    lines.push(`${podRef(p)}  ${p.ip ?? '(no IP)'}${p.nodeName ? ` on ${p.nodeName}` : ''}, owner ${r.owner}${p.createdAt ? `, created ${p.createdAt}` : ''}`);
    commands.add(r.command);
    evidence.push(ev(`Pod ${podRef(p)} CiliumEndpoint`, 'none', { ...p.origin, detail: `Pod ${podRef(p)} (${p.ip ?? 'no IP'}) has no CiliumEndpoint ${podRef(p)}` }));
    if (r.inferred) evidence.push(ev(`Pod ${podRef(p)} owner`, r.owner, { source: 'inferred', detail: 'Deployment name from the ReplicaSet name minus the pod-template-hash label' }));
  }
  return {
    severity: 'warning',
    title: `${plural(pods.length, 'pod is', 'pods are')} not managed by Cilium (no CiliumEndpoint)`,
    detail:
      `${lines.join('\n')}\n` +
      'In aws-cni chaining Cilium only manages pods whose network was set up after the agent ran on their node. These pods have no Cilium identity: ' +
      'no policy is enforced for them (ingress or egress), other pods\' policies see them only by IP, and Hubble shows them without labels.',
    fix: `Replace the pods so the chained CNI sets them up again:\n${[...commands].join('\n')}`,
    evidence,
    objects: pods.map(podObject),
  };
}

function activePod(ctx: DoctorContext, key: string): PodInfo | undefined {
  const p = ctx.store.get('pod', key);
  return p && !p.hostNetwork && !TERMINAL.has(p.phase ?? '') ? p : undefined;
}

/** `fn` for each of the pod's IPs once: `ip` first, then the others of `ips`. */
function forEachPodIp(p: PodInfo, fn: (ip: string) => void): void {
  if (p.ip) fn(p.ip);
  const ips = p.ips;
  for (let i = 0; i < ips.length; i++) {
    const ip = ips[i] as string;
    if (ip !== p.ip && ips.indexOf(ip) === i) fn(ip);
  }
}

/**
 * IP → the active pods that hold it (in `pods` order), for IPs held by more than one. The IPs more
 * than one pod holds are found first (`IpHolders`); only those are gathered.
 */
function* duplicatePodIpsSteps(pods: readonly PodInfo[]): Steps<Map<string, PodInfo[]>> {
  const holders = new IpHolders(pods.length);
  let n = 0;
  for (let i = 0; i < pods.length; i++) {
    if (++n % PER_STEP === 0) yield;
    const p = pods[i] as PodInfo;
    if (p.hostNetwork || TERMINAL.has(p.phase ?? '')) continue;
    forEachPodIp(p, (ip) => holders.add(ip, i));
  }
  const { shared } = yield* holders.shared();
  const byIp = new Map<string, PodInfo[]>();
  if (shared.size === 0) return byIp;
  for (const p of pods) {
    if (++n % PER_STEP === 0) yield;
    if (p.hostNetwork || TERMINAL.has(p.phase ?? '')) continue;
    forEachPodIp(p, (ip) => {
      if (!shared.has(ip)) return;
      const list = byIp.get(ip);
      if (list) list.push(p);
      else byIp.set(ip, [p]);
    });
  }
  for (const [ip, list] of byIp) if (list.length < 2) byIp.delete(ip);
  return byIp;
}

/** For ipamd read on some nodes only: says so, with what the other nodes' figures come from. */
function partialIpamd(ctx: DoctorContext): string {
  const c = ctx.ipamd.coverage;
  return c ? `\nipamd read for ${c.read} of ${c.of} nodes: on the others, IP holders come from the pod list and cooling-down IPs are not counted.` : '';
}

/** The pod ipamd assigned `ip` to, from the ENI data. */
function ipamdHolder(ctx: DoctorContext, ip: string): string | undefined {
  for (const o of ctx.store.ownersOfIp(ip)) {
    if (o.kind !== 'eni') continue;
    const holder = ctx.store.get('eni', o.key)?.ips.find((x) => x.ip === ip)?.pod;
    if (holder) return `${holder.namespace}/${holder.name}`;
  }
  return undefined;
}

export const duplicatePodIpCheck: DoctorCheck = {
  id: 'ip.duplicate-pod-ip',
  name: 'Pod IPs unique',
  group: 'ip',
  applies: () => true,
  steps: (ctx) => duplicatePodIpSteps(ctx),
};

function* duplicatePodIpSteps(ctx: DoctorContext): Steps<CheckResult> {
  const all = [...ctx.store.list('pod')];
  const dups = yield* duplicatePodIpsSteps(all);
  // a pod on the pod network with a node's IP
  const nodeClashes: Array<{ ip: string; pod: PodInfo; node: string }> = [];
  let step = 0;
  for (const n of [...ctx.store.list('node')]) {
    if (++step % PER_STEP === 0) yield;
    for (const ip of [n.internalIp, n.externalIp]) {
      if (!ip) continue;
      for (const o of ctx.store.ownersOfIp(ip)) {
        const pod = o.kind === 'pod' ? activePod(ctx, o.key) : undefined;
        if (pod) nodeClashes.push({ ip, pod, node: n.name });
      }
    }
  }
  let pods = 0;
  for (const p of all) if (!p.hostNetwork && p.ip) pods++;
  if (dups.size === 0 && nodeClashes.length === 0) {
    return { severity: 'ok', title: 'No IP is held by two pods', detail: `${plural(pods, 'pod')} on the pod network, each with its own IP.`, fix: 'Nothing to change.', evidence: [ev('pods on the pod network', pods, { source: 'inferred', detail: 'pods in the store that are not host-network' })] };
  }
  const lines: string[] = [];
  const commands: string[] = [];
  const evidence: Evidence[] = [];
  const objects: FindingObject[] = [];
  for (const [ip, list] of [...dups].sort(([a], [b]) => a.localeCompare(b))) {
    const holder = ipamdHolder(ctx, ip);
    lines.push(`${ip}: ${list.map((p) => `${podRef(p)}${p.nodeName ? ` (${p.nodeName}${p.createdAt ? `, created ${p.createdAt}` : ''})` : ''}`).join(', ')}${holder ? `; ipamd assigned it to ${holder}` : ''}`);
    for (const p of list) {
      evidence.push(ev(`Pod ${podRef(p)} IP`, ip, p.origin));
      objects.push(podObject(p));
    }
    // replace the pods ipamd does not name; without ipamd data, the newest ones
    const keep = holder ? list.find((p) => podRef(p) === holder) : [...list].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''))[0];
    for (const p of list) if (p !== keep) commands.push(`kubectl -n ${p.namespace} delete pod ${p.name}`);
  }
  for (const c of nodeClashes) {
    lines.push(`${c.ip}: pod ${podRef(c.pod)} (not host-network) has the IP of node ${c.node}`);
    evidence.push(ev(`Pod ${podRef(c.pod)} IP`, c.ip, c.pod.origin));
    objects.push(podObject(c.pod), { kind: 'Node', name: c.node });
    commands.push(`kubectl -n ${c.pod.namespace} delete pod ${c.pod.name}`);
  }
  const n = dups.size + nodeClashes.length;
  return {
    severity: 'error',
    title: `${plural(n, 'IP is', 'IPs are')} held by more than one pod${nodeClashes.length ? ' or node' : ''}`,
    detail: `${lines.join('\n')}\nTraffic to such an IP reaches only one of the holders (whichever route or ENI wins), and Cilium's ipcache maps the IP to one identity. Usual causes: ipamd lost its state on a node (checkpoint), or pods set up by another IPAM.${partialIpamd(ctx)}`,
    fix: `Replace the pods that ipamd does not name${dups.size && ![...dups.keys()].some((ip) => ipamdHolder(ctx, ip)) ? ' (without ipamd data: the newer ones)' : ''}:\n${commands.join('\n')}\nthen check the aws-node logs of the nodes (/var/log/aws-routed-eni/ipamd.log) for the cause.`,
    evidence,
    objects,
  };
}

export const ciliumHostIpCheck: DoctorCheck = {
  id: 'ip.cilium-host-collision',
  name: 'No pod IP equals a cilium_host IP',
  group: 'ip',
  docs: DOCS.ciliumHostCollision,
  applies: (ctx) => (ciliumActive(ctx.mode) ? true : 'Cilium was not detected: there is no cilium_host interface'),
  steps: (ctx) => ciliumHostIpSteps(ctx),
};

function* ciliumHostIpSteps(ctx: DoctorContext): Steps<CheckResult> {
  const routerIps: Array<{ ip: string; node: string }> = [];
  let step = 0;
  for (const cn of [...ctx.store.list('ciliumNode')]) {
    if (++step % PER_STEP === 0) yield;
    for (const a of cn.addresses) if (a.type === 'CiliumInternalIP') routerIps.push({ ip: a.ip, node: cn.name });
  }
  const pool = ctx.settings.cilium.config['cluster-pool-ipv4-cidr'];
  if (routerIps.length === 0) {
    return {
      severity: ctx.store.count('ciliumNode') === 0 ? 'info' : 'ok',
      title: ctx.store.count('ciliumNode') === 0 ? 'No CiliumNode in the input: cilium_host IPs not known' : 'No CiliumNode has a CiliumInternalIP',
      detail: 'The cilium_host router IP of each node is its CiliumNode\'s CiliumInternalIP address; none was found, so collisions with pod IPs cannot be checked.',
      fix: ctx.store.count('ciliumNode') === 0 ? 'Include the CiliumNodes (kubectl get ciliumnodes -o yaml).' : 'Nothing to change.',
      evidence: [ev('CiliumNodes', ctx.store.count('ciliumNode'), { source: 'inferred', detail: 'CiliumNode objects in the store' })],
    };
  }
  const hits: Array<{ ip: string; node: string; pods: PodInfo[] }> = [];
  for (const r of routerIps) {
    if (++step % PER_STEP === 0) yield;
    const pods = ctx.store.ownersOfIp(r.ip).filter((o) => o.kind === 'pod').map((o) => activePod(ctx, o.key)).filter((p): p is PodInfo => p !== undefined);
    if (pods.length > 0) hits.push({ ...r, pods });
  }
  if (hits.length === 0) {
    return {
      severity: 'ok',
      title: 'No pod IP equals a node\'s cilium_host IP',
      detail: `${plural(routerIps.length, 'CiliumInternalIP')} (cilium_host router IPs${pool ? `, from the cluster pool ${pool}` : ''}) checked against the pod IPs.`,
      fix: 'Nothing to change.',
      evidence: [ev('CiliumInternalIPs', routerIps.map((r) => r.ip).slice(0, 10), { source: 'inferred', detail: 'CiliumNode spec.addresses of type CiliumInternalIP' })],
    };
  }
  const evidence: Evidence[] = [];
  const objects: FindingObject[] = [];
  const lines: string[] = [];
  const commands: string[] = [];
  for (const h of hits) {
    const cn = ctx.store.get('ciliumNode', h.node);
    if (cn) evidence.push(ev(`CiliumNode ${h.node} CiliumInternalIP`, h.ip, { ...cn.origin, detail: `CiliumNode ${h.node} spec.addresses CiliumInternalIP ${h.ip}` }));
    objects.push({ kind: 'CiliumNode', name: h.node });
    for (const p of h.pods) {
      evidence.push(ev(`Pod ${podRef(p)} IP`, h.ip, p.origin));
      objects.push(podObject(p));
      lines.push(`${h.ip}: cilium_host of ${h.node} and pod ${podRef(p)}${p.nodeName ? ` on ${p.nodeName}` : ''}`);
      commands.push(`kubectl -n ${p.namespace} delete pod ${p.name}`);
    }
  }
  if (pool) evidence.push(ev('cilium-config cluster-pool-ipv4-cidr', pool, { ...(ctx.ciliumConfig?.origin ?? { source: 'default' }), detail: `ConfigMap kube-system/cilium-config cluster-pool-ipv4-cidr=${pool}` }));
  return {
    severity: 'error',
    title: `${plural(hits.length, 'cilium_host IP equals a pod IP', 'cilium_host IPs equal pod IPs')} (cilium/cilium#30682)`,
    detail:
      `${lines.join('\n')}\nIn aws-cni chaining Cilium gives cilium_host an address from its own IPAM${pool ? ` (cluster pool ${pool})` : ''}, which the VPC CNI does not know about; ` +
      'when the VPC CNI hands the same address to a pod, the node treats it as local, traffic to the pod ends at the host and Cilium\'s ipcache maps the IP to the host identity.',
    fix:
      `Give Cilium a router-IP pool outside every VPC CIDR: Helm --set ipam.operator.clusterPoolIPv4PodCIDRList={<unused range, e.g. 10.200.0.0/16>} (cilium-config cluster-pool-ipv4-cidr); ` +
      `then restart the agent on ${listed(hits.map((h) => h.node))} (kubectl -n kube-system delete pod -l k8s-app=cilium --field-selector spec.nodeName=NODE) so cilium_host gets a new IP, and replace the pod:\n${commands.join('\n')}`,
    evidence,
    objects,
  };
}

export const duplicateEniIpCheck: DoctorCheck = {
  id: 'ip.duplicate-eni-ip',
  name: 'ENI IPs unique',
  group: 'ip',
  applies: (ctx) => (ctx.store.count('eni') > 0 ? true : `no ENI data (${ctx.ec2.detail}; ${ctx.ipamd.detail})`),
  steps: (ctx) => duplicateEniIpSteps(ctx),
};

/**
 * How many distinct IPs the ENIs hold, and IP → the ENIs that list it (in `enis` order) for the IPs
 * on more than one. The IPs on more than one ENI are found first (`IpHolders`); only those are gathered.
 */
function* eniIpsSteps(enis: readonly EniInfo[]): Steps<{ distinct: number; shared: Map<string, string[]> }> {
  let count = 0;
  for (const eni of enis) count += eni.ips.length;
  const holders = new IpHolders(count);
  let n = 0;
  for (let i = 0; i < enis.length; i++) {
    if (++n % PER_STEP === 0) yield;
    for (const ip of (enis[i] as EniInfo).ips) holders.add(ip.ip, i);
  }
  const { shared: sharedIps, distinct } = yield* holders.shared();
  const shared = new Map<string, string[]>();
  if (sharedIps.size === 0) return { distinct, shared };
  for (const eni of enis) {
    if (++n % PER_STEP === 0) yield;
    for (const ip of eni.ips) {
      if (!sharedIps.has(ip.ip)) continue;
      const list = shared.get(ip.ip);
      if (!list) shared.set(ip.ip, [eni.id]);
      else if (!list.includes(eni.id)) list.push(eni.id);
    }
  }
  return { distinct, shared };
}

function* duplicateEniIpSteps(ctx: DoctorContext): Steps<CheckResult> {
  const { distinct, shared: byIp } = yield* eniIpsSteps([...ctx.store.list('eni')]);
  const dups = [...byIp].filter(([, ids]) => {
    if (ids.length < 2) return false;
    // private IPs of different VPCs may repeat
    const vpcs = new Set(ids.map((id) => ctx.store.get('eni', id)?.vpcId).filter((v) => v !== undefined));
    return vpcs.size <= 1;
  });
  if (dups.length === 0) {
    return { severity: 'ok', title: 'No IP is on two ENIs', detail: `${plural(ctx.store.count('eni'), 'ENI')}, ${plural(distinct, 'IP')}.`, fix: 'Nothing to change.', evidence: [ev('ENIs', ctx.store.count('eni'), { source: 'inferred', detail: `${ctx.ec2.detail}; ${ctx.ipamd.detail}` })] };
  }
  const lines: string[] = [];
  const evidence: Evidence[] = [];
  const objects: FindingObject[] = [];
  const nodes = new Set<string>();
  for (const [ip, ids] of dups.sort(([a], [b]) => a.localeCompare(b))) {
    const parts: string[] = [];
    for (const id of ids) {
      const eni = ctx.store.get('eni', id);
      parts.push(`${id}${eni?.nodeName ? ` (${eni.nodeName}${eni.deviceIndex !== undefined ? `, device ${eni.deviceIndex}` : ''})` : eni?.description ? ` (${eni.description})` : ''}`);
      if (eni) evidence.push(ev(`ENI ${id} IP`, ip, eni.origin));
      if (eni?.nodeName) nodes.add(eni.nodeName);
      objects.push({ kind: 'ENI', name: id });
    }
    lines.push(`${ip}: ${parts.join(', ')}`);
  }
  return {
    severity: 'error',
    title: `${plural(dups.length, 'IP is', 'IPs are')} on more than one ENI`,
    detail: `${lines.join('\n')}\nEC2 never gives one private IP to two ENIs of a VPC, so one of the views is stale: usually ipamd on a node still lists an ENI or IP that EC2 has moved.`,
    fix:
      'Find the ENI that really holds the IP: aws ec2 describe-network-interfaces --filters Name=addresses.private-ip-address,Values=<IP>; ' +
      `then restart aws-node on the node that disagrees so ipamd re-reads its ENIs (kubectl -n kube-system delete pod -l k8s-app=aws-node --field-selector spec.nodeName=NODE${nodes.size ? `; nodes involved: ${listed([...nodes])}` : ''}).`,
    evidence,
    objects,
  };
}

export const capacityCheck: DoctorCheck = {
  id: 'capacity.nodes',
  name: 'Node ENI, IP and pod capacity',
  group: 'capacity',
  docs: DOCS.capacity,
  applies: (ctx) => (vpcCniActive(ctx.mode) && ctx.settings.vpcCni.present ? true : 'the VPC CNI was not detected: pod IPs do not come from ENIs'),
  steps: (ctx) => capacitySteps(ctx),
};

function* capacitySteps(ctx: DoctorContext): Steps<CheckResult> {
  const caps = yield* capacitiesSteps(ctx);
  const warnings: Array<{ cap: NodeCapacity; text: string }> = [];
  const infos: Array<{ cap: NodeCapacity; text: string }> = [];
  let step = 0;
  for (const c of caps) {
    if (++step % PER_STEP === 0) yield;
    const max = c.pods.max;
    const headroom = max !== undefined ? Math.max(0, max - c.pods.total) : undefined;
    const type = c.instanceType ?? 'type unknown';
    if (c.flags.includes('ip-exhausted')) {
      warnings.push({ cap: c, text: `${c.node} (${type}): out of pod IPs, ${c.ips.assigned} of ${c.ips.maxPossible} in use with ${c.enis.used}/${c.enis.max ?? '?'} ENIs: the next pod cannot get an IP` });
    } else if (c.flags.includes('pods-at-max')) {
      warnings.push({ cap: c, text: `${c.node} (${type}): ${c.pods.total} pods, at max pods (${max}): the scheduler places no more pods here` });
    } else if (c.flags.includes('at-eni-limit')) {
      const short = headroom !== undefined && c.ips.free < headroom;
      const text = `${c.node} (${type}): all ${c.enis.used} ENIs attached, ${c.ips.free} free IPs${headroom !== undefined ? ` for ${headroom} more pods before max pods (${max})` : ''}`;
      if (short) warnings.push({ cap: c, text: `${text}: IPs run out before max pods` });
      else infos.push({ cap: c, text: `${text}: enough` });
    }
  }
  const evidence: Evidence[] = [...warnings, ...infos].map(({ cap }) =>
    ev(`Node ${cap.node}`, `ENIs ${cap.enis.used}/${cap.enis.max ?? '?'}, IPs ${cap.ips.assigned} used ${cap.ips.free} free, pods ${cap.pods.total}/${cap.pods.max ?? '?'} [${cap.flags.join(', ')}]`, cap.origin),
  );
  const noEni = caps.filter((c) => c.flags.includes('no-eni-data')).map((c) => c.node);
  const note = (noEni.length ? `\nNo ENI data for ${listed(noEni)}: their IP figures come from pods only.` : '') + partialIpamd(ctx);
  const objects = [...warnings, ...infos].map(({ cap }) => ({ kind: 'Node', name: cap.node }));
  if (warnings.length > 0) {
    return {
      severity: 'warning',
      title: `${plural(warnings.length, 'node is', 'nodes are')} out of pod IPs or pod slots, or will run out of IPs first`,
      detail: [...warnings, ...infos].map((w) => w.text).join('\n') + note,
      fix:
        'Add nodes, or use instance types with more ENIs/IPs in these node groups. On Nitro instances prefix delegation gives 16 IPs per slot: ' +
        'kubectl -n kube-system set env daemonset/aws-node -c aws-node ENABLE_PREFIX_DELEGATION=true WARM_PREFIX_TARGET=1, then raise max pods in the node groups (new nodes).',
      evidence,
      objects,
    };
  }
  if (infos.length > 0) {
    return {
      severity: 'info',
      title: `${plural(infos.length, 'node has', 'nodes have')} all ENIs attached, with enough free IPs up to max pods`,
      detail: infos.map((w) => w.text).join('\n') + note,
      fix: 'Nothing to change now: these nodes reach max pods before they run out of IPs.',
      evidence,
      objects,
    };
  }
  return {
    severity: 'ok',
    title: `No node is short of ENIs, IPs or pod slots (${plural(caps.length, 'node')})`,
    detail: `Every node can still attach ENIs or has free IPs, and is below max pods.${note}`,
    fix: 'Nothing to change.',
    evidence: [ev('nodes', caps.length, { source: 'inferred', detail: 'node capacity from ENIs, pods and instance limits' })],
  };
}

export const WORKLOAD_CHECKS: readonly DoctorCheck[] = [unmanagedPodsCheck, duplicatePodIpCheck, ciliumHostIpCheck, duplicateEniIpCheck, capacityCheck];
