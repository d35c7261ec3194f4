/**
 * The ends of a trace as the datapath needs them: a pod with its host veth, ENI (or branch ENI) and
 * CiliumEndpoint; the node's own network namespace; or anything else `ownersOfIp` found. Also how
 * Cilium's ipcache identifies an end as a policy peer.
 */
import type { CiliumEndpointInfo, EniInfo, NodeInfo, PodInfo, Provenance, Setting } from '../../model';
import type { ClusterStore } from '../../store/clusterStore';
import type { ClusterSettings } from '../clusterSettings';
import type { HopFact, PolicyPeer } from './datapathTypes';
import { hostVethName } from './hostVethName';
import { ipEndpoint, type ResolvedEndpoint } from './traceEndpoint';
import { findEniForIp, primaryEniOfNode, type EniForIp } from './vpcLookup';

/** What every part of a trace reads. */
export interface TraceContext {
  store: ClusterStore;
  settings: ClusterSettings;
  /** Cilium is installed: cilium-config found, or CiliumEndpoints exist. */
  ciliumPresent: boolean;
}

/** A branch ENI of a pod (security groups for pods), from its `vpc.amazonaws.com/pod-eni` annotation. */
export interface Branch {
  eniId: string;
  eni?: EniInfo;
  vlanId?: number;
  trunk?: EniInfo;
  /** POD_SECURITY_GROUP_ENFORCING_MODE is not `standard`. */
  strict: boolean;
  subnetCidr?: string;
  /** 100 + vlanId. */
  table?: number;
  /** `vlan.eth.<vlanId>`. */
  vlanDevice?: string;
}

/** A pod on the pod network. */
export interface PodEnd {
  kind: 'pod';
  ip: string;
  pod: PodInfo;
  /** `ns/name`. */
  key: string;
  nodeName?: string;
  node?: NodeInfo;
  cep?: CiliumEndpointInfo;
  /** Has a CiliumEndpoint: Cilium's programs run on its veth. */
  managed: boolean;
  veth: string;
  /** The node ENI that holds the pod IP (not for branch-ENI pods). */
  eni?: EniForIp;
  branch?: Branch;
}

/** The node's own network namespace: a host-network pod or the node itself. */
export interface HostEnd {
  kind: 'host';
  ip: string;
  nodeName?: string;
  node?: NodeInfo;
  pod?: PodInfo;
  eni?: EniInfo;
}

export type End = PodEnd | HostEnd | Exclude<ResolvedEndpoint, { kind: 'pod' } | { kind: 'host' }>;
/** A destination: anything but `world`, which is a source only. */
export type Dst = Exclude<End, { kind: 'world' }>;

export function fact(name: string, value: string, origin: Provenance): HopFact {
  return { name, value, origin };
}

export function settingFact<T>(name: string, s: Setting<T>): HopFact {
  const v = s.value as unknown;
  return { name, value: Array.isArray(v) ? (v.length ? v.join(',') : '(none)') : String(v), origin: s.origin };
}

/** An aws-node env var that `VpcCniSettings` does not type, with the DaemonSet as its origin. */
export function awsNodeEnv(ctx: TraceContext, name: string): { value?: string; fact: HopFact } {
  const raw = ctx.settings.vpcCni.env[name];
  const value = raw === undefined || raw === '' ? undefined : raw;
  const ds = ctx.store.get('daemonSet', 'kube-system/aws-node');
  const origin: Provenance = ds && raw !== undefined ? { ...ds.origin, detail: `DaemonSet kube-system/aws-node env ${name}=${raw}` } : { source: 'default', detail: `${name} not set` };
  return { ...(value !== undefined ? { value } : {}), fact: fact(name, value ?? '(unset)', origin) };
}

function branchOf(ctx: TraceContext, pod: PodInfo): Branch | undefined {
  const pe = pod.podEni?.[0];
  if (!pe) return undefined;
  const eni = ctx.store.get('eni', pe.eniId);
  const trunk = pod.nodeName ? ctx.store.enisOnNode(pod.nodeName).find((e) => e.kind === 'trunk') : undefined;
  const subnetCidr = pe.subnetCidr ?? (eni?.subnetId ? ctx.store.get('subnet', eni.subnetId)?.cidr : undefined);
  return {
    eniId: pe.eniId,
    strict: ctx.settings.vpcCni.podSgEnforcingMode.value !== 'standard',
    ...(eni ? { eni } : {}),
    ...(trunk ? { trunk } : {}),
    ...(pe.vlanId !== undefined ? { vlanId: pe.vlanId, table: 100 + pe.vlanId, vlanDevice: `vlan.eth.${pe.vlanId}` } : {}),
    ...(subnetCidr ? { subnetCidr } : {}),
  };
}

/** Completes a resolved endpoint with the datapath facts of its kind. */
export function toEnd(ctx: TraceContext, r: ResolvedEndpoint): End {
  if (r.kind === 'pod') {
    const nodeName = r.pod.nodeName;
    const branch = branchOf(ctx, r.pod);
    // strict mode names the veth "vlan…" (pkg/sgpp BuildHostVethNamePrefix); standard keeps the prefix
    const prefix = branch?.strict ? 'vlan' : ctx.settings.vpcCni.vethPrefix.value;
    const eni = branch ? undefined : findEniForIp(ctx.store, r.ip, nodeName);
    return {
      kind: 'pod',
      ip: r.ip,
      pod: r.pod,
      key: `${r.pod.namespace}/${r.pod.name}`,
      managed: ctx.ciliumPresent && r.cep !== undefined,
      veth: hostVethName(prefix, r.pod.namespace, r.pod.name),
      ...(nodeName ? { nodeName } : {}),
      ...(r.node ? { node: r.node } : {}),
      ...(r.cep ? { cep: r.cep } : {}),
      ...(branch ? { branch } : {}),
      ...(eni ? { eni } : {}),
    };
  }
  if (r.kind === 'host') {
    const nodeName = r.nodeName ?? r.pod?.nodeName ?? r.node?.name;
    const node = r.node ?? (nodeName ? ctx.store.get('node', nodeName) : undefined);
    const eni = r.eni ?? (nodeName ? (findEniForIp(ctx.store, r.ip, nodeName)?.eni ?? primaryEniOfNode(ctx.store, nodeName, node?.internalIp)) : undefined);
    return { kind: 'host', ip: r.ip, ...(nodeName ? { nodeName } : {}), ...(node ? { node } : {}), ...(r.pod ? { pod: r.pod } : {}), ...(eni ? { eni } : {}) };
  }
  return r;
}

/** The pod or node that holds `ip`, when it is one. */
export function podOrHostAt(ctx: TraceContext, ip: string): PodEnd | HostEnd | undefined {
  if (ip.includes('/')) return undefined;
  const r = ipEndpoint(ctx.store, ip);
  return r.kind === 'pod' || r.kind === 'host' ? (toEnd(ctx, r) as PodEnd | HostEnd) : undefined;
}

/**
 * The peer as Cilium's ipcache identifies it on `viewerNode`: a managed pod by its identity; a node as
 * `host` (the viewer's own) or `remote-node`; a pod without a CiliumEndpoint as `unmanaged` when it is
 * on the viewer's node (the agent's pod watcher upserts local pods with identity 3 and watches only
 * local pods, `pkg/k8s/watchers/pod.go`), else `world`; anything else as `world`. When `end` is not
 * given, the owner of `ip` is looked up.
 */
export function peerOf(ctx: TraceContext, end: End | undefined, viewerNode: string | undefined, ip: string): PolicyPeer {
  const e = end ?? podOrHostAt(ctx, ip);
  if (e?.kind === 'pod') {
    const base = { ip: e.ip, pod: { namespace: e.pod.namespace, name: e.pod.name } };
    const node = e.nodeName ? { node: e.nodeName } : {};
    if (e.managed) return { identity: 'endpoint', ...base, ...(e.cep?.identityId !== undefined ? { identityId: e.cep.identityId } : {}), ...node };
    return { identity: e.nodeName !== undefined && e.nodeName === viewerNode ? 'unmanaged' : 'world', ...base, ...node };
  }
  if (e?.kind === 'host') return { identity: e.nodeName !== undefined && e.nodeName === viewerNode ? 'host' : 'remote-node', ip: e.ip, ...(e.nodeName ? { node: e.nodeName } : {}) };
  return { identity: 'world', ip };
}

/** The peer for a hop's text: `shop/cart-… (identity 16881)`, `10.0.1.219 (identity world)`. */
export function peerText(peer: PolicyPeer): string {
  const who = peer.pod ? `${peer.pod.namespace}/${peer.pod.name}` : peer.ip === '0.0.0.0/0' ? 'internet clients' : peer.ip;
  switch (peer.identity) {
    case 'endpoint':
      return `${who} (identity ${peer.identityId ?? '?'})`;
    case 'unmanaged':
      return `${who} (no CiliumEndpoint: identity unmanaged)`;
    case 'world':
      return peer.pod ? `${who} (no CiliumEndpoint, on another node: identity world)` : `${who} (identity world, unless a CIDR or FQDN selector gives it a local identity)`;
    default:
      return `${who} (identity ${peer.identity})`;
  }
}
