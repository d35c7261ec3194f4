import { nodeCapacity, type NodeCapacity } from '../../capacity/nodeCapacity';
import type { ClusterMode, Provenance, Setting, SourceStatus } from '../../model';
import type { ConfigMapInfo, DaemonSetContainerInfo, DaemonSetInfo } from '../../project/projectKube';
import type { ClusterStore } from '../../store/clusterStore';
import type { ClusterSettings } from '../clusterSettings';
import { sortSteps, type Steps } from './steps';
import type { DoctorOptions, Evidence, Finding, Severity } from './types';

/** What a data source gave, for the checks that need it. */
export interface SourceFact {
  available: boolean;
  /** Why not, or what it gave. */
  detail: string;
  origin: Provenance;
  /** Read for only some nodes (ipamd of a large cluster, per node on demand): checks over its facts cover those. */
  coverage?: { read: number; of: number };
}

export interface DoctorContext {
  store: ClusterStore;
  settings: ClusterSettings;
  mode: ClusterMode;
  options: DoctorOptions;
  ec2: SourceFact;
  ipamd: SourceFact;
  /** `kubernetes <resource>` sources that did not list (live clusters only). */
  kubernetesProblems: SourceStatus[];
  awsNode?: DaemonSetInfo;
  ciliumConfig?: ConfigMapInfo;
  /** Every node's capacity, once computed (prefix delegation and capacity both read it). */
  capacities?: NodeCapacity[];
}

/** What a check returns; the runner adds the id (and the check's docs when the result has none). */
export type CheckResult = Omit<Finding, 'id'>;

/** A check: one finding (or a skip) per run. */
interface DoctorCheckInfo {
  id: string;
  /** Short name for the checklist, e.g. `Cilium masquerade`. */
  name: string;
  group: 'mode' | 'cilium' | 'vpc-cni' | 'policy' | 'workloads' | 'ip' | 'capacity' | 'sources';
  docs?: string;
  /** `true` when the check applies; else why not (becomes an `info` finding). */
  applies(ctx: DoctorContext): true | string;
}

/**
 * A check decides at once (`run`), or in steps (`steps`, for checks that walk every pod, ENI or
 * node): the sync doctor runs the steps to the end, the async one a slice of a turn at a time.
 */
export type DoctorCheck = DoctorCheckInfo & ({ run(ctx: DoctorContext): CheckResult; steps?: never } | { steps(ctx: DoctorContext): Steps<CheckResult>; run?: never });

export const DOCS = {
  chaining: 'Cilium docs: AWS VPC CNI chaining (installation/cni-chaining-aws-cni)',
  limitations: 'Cilium docs: CNI chaining limitations (installation/cni-chaining-limitations)',
  vpcCniReadme: 'VPC CNI README: environment variables of aws-node',
  customNetworking: 'VPC CNI README and EKS user guide: custom networking (ENIConfig)',
  sgForPods: 'EKS user guide: security groups for pods; cilium/cilium#24943',
  networkPolicy: 'VPC CNI docs/network-policy-faq.md; Cilium docs: AWS VPC CNI chaining',
  unmanaged: 'Cilium docs: AWS VPC CNI chaining ("restart existing pods")',
  ciliumHostCollision: 'cilium/cilium#30682 (IP collision between pod and cilium_host in aws-cni chaining)',
  capacity: 'VPC CNI misc/eni-max-pods.txt, docs/eni-and-ip-target.md',
} as const;

export const CILIUM_RESTART = 'kubectl -n kube-system rollout restart daemonset/cilium';
export const AWS_NODE_RESTART = 'kubectl -n kube-system rollout restart daemonset/aws-node';

export function buildContext(store: ClusterStore, settings: ClusterSettings, options: DoctorOptions): DoctorContext {
  const awsNode = store.get('daemonSet', 'kube-system/aws-node');
  const ciliumConfig = store.get('configMap', 'kube-system/cilium-config');
  const sources = options.sources;
  return {
    store,
    settings,
    mode: settings.mode.mode,
    options,
    ec2: sourceFact(store, sources, 'ec2'),
    ipamd: sourceFact(store, sources, 'ipamd'),
    kubernetesProblems: (sources ?? []).filter((s) => s.name.startsWith('kubernetes ') && s.state !== 'ok'),
    ...(awsNode ? { awsNode } : {}),
    ...(ciliumConfig ? { ciliumConfig } : {}),
  };
}

function sourceFact(store: ClusterStore, sources: readonly SourceStatus[] | undefined, name: 'ec2' | 'ipamd'): SourceFact {
  const status = sources?.find((s) => s.name === name);
  if (status?.coverage && status.coverage.read < status.coverage.of) {
    // ipamd of a large cluster, read per node on demand: what was read, of how many
    const { read, of } = status.coverage;
    return {
      available: status.state === 'ok' && read > 0,
      detail: `${name} read for ${read} of ${of} nodes (per node on demand)`,
      coverage: { read, of },
      origin: { source: 'inferred', detail: `source status reported by the loader: ${name} ${status.state}${status.detail ? ` (${status.detail})` : ''}` },
    };
  }
  if (status) {
    return {
      available: status.state === 'ok',
      detail: `${name}: ${status.state}${status.detail ? ` (${status.detail})` : ''}`,
      origin: { source: 'inferred', detail: `source status reported by the loader: ${name} ${status.state}` },
    };
  }
  // no source list: look at what the store holds
  if (name === 'ec2') {
    const subnets = store.count('subnet');
    let ec2Enis = 0;
    for (const eni of store.list('eni')) if (eni.origin.source === 'ec2' || (eni.origin.source === 'snapshot' && (eni.origin.file ?? '').includes('aws/'))) ec2Enis++;
    const available = subnets > 0 || ec2Enis > 0;
    return {
      available,
      detail: available ? `${subnets} subnets and ${ec2Enis} ENIs from EC2 in the store` : 'no EC2 subnets or ENIs in the store',
      origin: { source: 'inferred', detail: 'from the EC2 objects in the store' },
    };
  }
  let ipamdEnis = 0;
  for (const eni of store.list('eni')) if (eni.origin.source === 'ipamd' || eni.routeTableId !== undefined || eni.ips.some((ip) => ip.assigned !== undefined)) ipamdEnis++;
  return {
    available: ipamdEnis > 0,
    detail: ipamdEnis > 0 ? `${ipamdEnis} ENIs with ipamd data in the store` : 'no ENI in the store carries ipamd data',
    origin: { source: 'inferred', detail: 'from the ENIs in the store' },
  };
}

/** Nodes between two yields of `capacitiesSteps`. */
const NODES_PER_STEP = 8;

/**
 * The capacity of every node (as `nodeCapacities` gives it: sorted by node name), computed once per
 * run, in steps. The node list is copied first, so a store that changes between steps does not make
 * a node count twice.
 */
export function* capacitiesSteps(ctx: DoctorContext): Steps<NodeCapacity[]> {
  if (ctx.capacities) return ctx.capacities;
  const { store } = ctx;
  const out: NodeCapacity[] = [];
  let n = 0;
  for (const node of [...store.list('node')]) {
    out.push(nodeCapacity(node, store.enisOnNode(node.name), store.podsOnNode(node.name), ctx.settings.vpcCni, ctx.options.capacity));
    if (++n % NODES_PER_STEP === 0) yield;
  }
  ctx.capacities = yield* sortSteps(out, (a, b) => a.node.localeCompare(b.node));
  return ctx.capacities;
}

// ------------------------------------------------------------------ helpers

export function ev(fact: string, value: unknown, origin: Provenance): Evidence {
  return { fact, value: shown(value), origin };
}

export function evSetting<T>(fact: string, setting: Setting<T>): Evidence {
  return ev(fact, setting.value, setting.origin);
}

export function shown(value: unknown): string {
  if (value === undefined) return '(not set)';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(',');
  if (value === '') return '(empty)';
  return String(value);
}

/** A cilium-config key: its raw value and where it came from (`undefined` value when not set). */
export function configKey(ctx: DoctorContext, key: string): { value: string | undefined; origin: Provenance } {
  const cm = ctx.ciliumConfig;
  if (cm && Object.prototype.hasOwnProperty.call(cm.data, key)) {
    return { value: cm.data[key], origin: { ...cm.origin, detail: `ConfigMap kube-system/cilium-config ${key}=${cm.data[key]}` } };
  }
  return { value: undefined, origin: { source: 'default', detail: `${key} not set in ConfigMap kube-system/cilium-config` } };
}

/** Go `strconv.ParseBool`. */
export function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** `v1.22.3`, `1.11.2-eksbuild.1` → [1, 22, 3]. */
export function parseVersion(v: string | undefined): [number, number, number] | undefined {
  if (!v) return undefined;
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The `aws-vpc-cni-init` init container of aws-node (by name, else by image). */
export function awsNodeInitContainer(ds: DaemonSetInfo | undefined): DaemonSetContainerInfo | undefined {
  if (!ds) return undefined;
  return ds.initContainers.find((c) => c.name === 'aws-vpc-cni-init') ?? ds.initContainers.find((c) => c.image?.includes('amazon-k8s-cni-init'));
}

/** `kubectl -n kube-system set env daemonset/aws-node -c CONTAINER K=V`. */
export function setEnvLine(env: Record<string, string>, container = 'aws-node'): string {
  return `kubectl -n kube-system set env daemonset/aws-node -c ${container} ${Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;
}

/** `kubectl -n kube-system patch configmap cilium-config --type merge -p '{"data":{...}}'` and the agent restart. */
export function patchCiliumConfigLine(data: Record<string, string>): string {
  return `kubectl -n kube-system patch configmap cilium-config --type merge -p '${JSON.stringify({ data })}' && ${CILIUM_RESTART}`;
}

export function worst(severities: Iterable<Severity>): Severity {
  let best: Severity = 'ok';
  const rank = (s: Severity): number => ['ok', 'info', 'warning', 'error'].indexOf(s);
  for (const s of severities) if (rank(s) > rank(best)) best = s;
  return best;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function listed(items: readonly string[], max = 10): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export const ciliumActive = (mode: ClusterMode): boolean => mode === 'aws-cni-chaining' || mode === 'cilium-only';
export const vpcCniActive = (mode: ClusterMode): boolean => mode === 'aws-cni-chaining' || mode === 'vpc-cni-only';

export const MODE_NAMES: Record<ClusterMode, string> = {
  'aws-cni-chaining': 'AWS VPC CNI with Cilium chained (aws-cni chaining)',
  'vpc-cni-only': 'AWS VPC CNI only',
  'cilium-only': 'Cilium only',
  unknown: 'unknown',
};
