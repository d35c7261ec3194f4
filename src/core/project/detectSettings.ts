/**
 * Detects the VPC CNI and Cilium settings and the cluster mode from projected objects. Every setting
 * says where its value came from: the DaemonSet/ConfigMap (with the object's provenance and the key
 * in `detail`) or the documented default (`source: 'default'`). Defaults: datapath.md A2 (aws-node
 * env) and A4 (cilium-config).
 */
import type { CiliumSettings, ClusterModeInfo, Provenance, Setting, VpcCniSettings } from '../model';
import type { ConfigMapInfo, DaemonSetContainerInfo, DaemonSetInfo } from './projectKube';

const AWS_NODE = { namespace: 'kube-system', name: 'aws-node', container: 'aws-node' };
const NODE_AGENT_CONTAINER = 'aws-eks-nodeagent';
const CILIUM_CONFIG = { namespace: 'kube-system', name: 'cilium-config' };
const CILIUM_AGENT_CONTAINER = 'cilium-agent';

/** `…/amazon-k8s-cni:v1.20.4-eksbuild.1` → `v1.20.4`; a tag that is not a version is returned as is. */
function versionFromImage(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const withoutDigest = image.split('@')[0];
  const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  if (colon < 0) return undefined;
  const tag = lastPart.slice(colon + 1);
  const m = /^v?(\d+\.\d+\.\d+)/.exec(tag);
  return m ? `v${m[1]}` : tag || undefined;
}

/** Go `strconv.ParseBool`. */
function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

function parseInteger(v: string): number | undefined {
  const t = v.trim();
  return /^-?\d{1,9}$/.test(t) ? Number(t) : undefined;
}

function parseList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function fromObject(origin: Provenance, detail: string): Provenance {
  return { ...origin, detail };
}

function byDefault(detail: string): Provenance {
  return { source: 'default', detail };
}

/** Reads typed settings from a key/value source, falling back to a documented default. */
class SettingReader {
  constructor(
    private readonly values: Readonly<Record<string, string>>,
    private readonly origin: Provenance | undefined,
    /** e.g. `DaemonSet kube-system/aws-node container aws-node env`. */
    private readonly where: string,
    /** e.g. `VPC CNI default`. */
    private readonly defaultLabel: string,
    /** Keys set through a reference (`valueFrom`): present, value unknown. */
    private readonly unknownKeys: readonly string[] = [],
  ) {}

  read<T>(key: string, fallback: T, parse: (v: string) => T | undefined, shown = (v: T) => String(v)): Setting<T> {
    const raw = Object.prototype.hasOwnProperty.call(this.values, key) ? this.values[key] : undefined;
    if (raw !== undefined && this.origin) {
      const parsed = parse(raw);
      if (parsed !== undefined) return { value: parsed, origin: fromObject(this.origin, `${this.where} ${key}=${raw}`) };
      return {
        value: fallback,
        origin: fromObject(this.origin, `${this.where} ${key}=${raw} is not valid; ${this.defaultLabel} ${shown(fallback)} applies`),
      };
    }
    if (this.unknownKeys.includes(key)) {
      return { value: fallback, origin: byDefault(`${key} is set through valueFrom (value not known); ${this.defaultLabel} ${shown(fallback)} assumed`) };
    }
    return { value: fallback, origin: byDefault(`${key} not set; ${this.defaultLabel} ${shown(fallback)}`) };
  }

  bool(key: string, fallback: boolean): Setting<boolean> {
    return this.read(key, fallback, parseGoBool);
  }

  string(key: string, fallback: string): Setting<string> {
    return this.read(key, fallback, (v) => v, (v) => (v === '' ? '(empty)' : v));
  }
}

function findDaemonSet(daemonSets: readonly DaemonSetInfo[], namespace: string, name: string): DaemonSetInfo | undefined {
  return daemonSets.find((d) => d.namespace === namespace && d.name === name);
}

function findContainer(ds: DaemonSetInfo | undefined, name: string, imageHint?: string): DaemonSetContainerInfo | undefined {
  if (!ds) return undefined;
  return (
    ds.containers.find((c) => c.name === name) ??
    (imageHint ? ds.containers.find((c) => c.image?.includes(imageHint)) : undefined) ??
    (ds.containers.length === 1 ? ds.containers[0] : undefined)
  );
}

/**
 * VPC CNI settings from the `kube-system/aws-node` DaemonSet's `aws-node` container env.
 * `configMaps` may hold `kube-system/amazon-vpc-cni`; it is only named in the network policy detail.
 */
export function detectVpcCniSettings(daemonSets: readonly DaemonSetInfo[], configMaps: readonly ConfigMapInfo[] = []): VpcCniSettings {
  const ds = findDaemonSet(daemonSets, AWS_NODE.namespace, AWS_NODE.name);
  const container = findContainer(ds, AWS_NODE.container, 'amazon-k8s-cni');
  const env = { ...(container?.env ?? {}) };
  const where = `DaemonSet ${AWS_NODE.namespace}/${AWS_NODE.name} container ${container?.name ?? AWS_NODE.container} env`;
  const r = new SettingReader(env, ds && container ? ds.origin : undefined, where, ds ? 'VPC CNI default' : 'aws-node not found; VPC CNI default', container?.envFrom);
  const optionalInt = (key: string, fallback: number | undefined): Setting<number | undefined> =>
    r.read<number | undefined>(key, fallback, parseInteger, (v) => (v === undefined ? 'unset' : String(v)));

  const settings: VpcCniSettings = {
    present: ds !== undefined,
    version: versionFromImage(container?.image),
    env,
    externalSnat: r.bool('AWS_VPC_K8S_CNI_EXTERNALSNAT', false),
    excludeSnatCidrs: r.read('AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS', [] as string[], parseList, (v) => (v.length === 0 ? '(none)' : v.join(','))),
    vethPrefix: r.string('AWS_VPC_K8S_CNI_VETHPREFIX', 'eni'),
    customNetworking: r.bool('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', false),
    eniConfigLabelDef: r.string('ENI_CONFIG_LABEL_DEF', 'k8s.amazonaws.com/eniConfig'),
    prefixDelegation: r.bool('ENABLE_PREFIX_DELEGATION', false),
    podEni: r.bool('ENABLE_POD_ENI', false),
    podSgEnforcingMode: r.string('POD_SECURITY_GROUP_ENFORCING_MODE', 'strict'),
    nodePortSupport: r.bool('AWS_VPC_CNI_NODE_PORT_SUPPORT', true),
    warmEniTarget: optionalInt('WARM_ENI_TARGET', 1),
    warmIpTarget: optionalInt('WARM_IP_TARGET', undefined),
    minimumIpTarget: optionalInt('MINIMUM_IP_TARGET', undefined),
    warmPrefixTarget: optionalInt('WARM_PREFIX_TARGET', 1),
  };
  settings.networkPolicyAgent = detectNetworkPolicyAgent(ds, configMaps);
  return settings;
}

/** `--enable-network-policy=<bool>` on the `aws-eks-nodeagent` container (flag default false). */
function detectNetworkPolicyAgent(ds: DaemonSetInfo | undefined, configMaps: readonly ConfigMapInfo[]): Setting<boolean> {
  const cm = configMaps.find((c) => c.namespace === 'kube-system' && c.name === 'amazon-vpc-cni');
  const controller = cm?.data['enable-network-policy-controller'];
  const cmNote = controller !== undefined ? `; ConfigMap kube-system/amazon-vpc-cni has enable-network-policy-controller=${controller}` : '';
  const agent = ds?.containers.find((c) => c.name === NODE_AGENT_CONTAINER);
  if (ds && agent) {
    for (let i = agent.args.length - 1; i >= 0; i--) {
      const m = /^--?enable-network-policy(?:=(.*))?$/.exec(agent.args[i]);
      if (!m) continue;
      const value = m[1] === undefined ? true : parseGoBool(m[1]);
      if (value !== undefined) {
        return { value, origin: fromObject(ds.origin, `DaemonSet ${ds.namespace}/${ds.name} container ${NODE_AGENT_CONTAINER} arg ${agent.args[i]}${cmNote}`) };
      }
    }
    return { value: false, origin: byDefault(`container ${NODE_AGENT_CONTAINER} has no --enable-network-policy; flag default false${cmNote}`) };
  }
  return { value: false, origin: byDefault(`no ${NODE_AGENT_CONTAINER} container in aws-node; network policy agent not running${cmNote}`) };
}

/** Cilium settings from ConfigMap `kube-system/cilium-config` and the image of the cilium DaemonSet. */
export function detectCiliumSettings(configMap: ConfigMapInfo | undefined, daemonSet?: DaemonSetInfo): CiliumSettings {
  const config = { ...(configMap?.data ?? {}) };
  const where = `ConfigMap ${configMap?.namespace ?? CILIUM_CONFIG.namespace}/${configMap?.name ?? CILIUM_CONFIG.name}`;
  const r = new SettingReader(config, configMap?.origin, where, configMap ? 'Cilium default' : 'cilium-config not found; Cilium default');
  const agent = findContainer(daemonSet, CILIUM_AGENT_CONTAINER, 'cilium');

  let routingMode = r.string('routing-mode', 'tunnel');
  if (routingMode.origin.source === 'default' && configMap && config.tunnel !== undefined) {
    // Before Cilium 1.14: `tunnel: disabled` meant native routing.
    routingMode = {
      value: config.tunnel === 'disabled' ? 'native' : 'tunnel',
      origin: fromObject(configMap.origin, `${where} tunnel=${config.tunnel} (pre-1.14 key; routing-mode not set)`),
    };
  }
  const kubeProxyReplacement = r.string('kube-proxy-replacement', 'false');
  let socketLb: Setting<boolean>;
  const kprOn = kubeProxyReplacement.value === 'true' || kubeProxyReplacement.value === 'strict';
  const lbSock = r.bool('bpf-lb-sock', false);
  if (kprOn && kubeProxyReplacement.origin.source !== 'default') {
    socketLb = { value: true, origin: { ...kubeProxyReplacement.origin, detail: `${kubeProxyReplacement.origin.detail} (kube-proxy replacement enables socket LB)` } };
  } else {
    socketLb = lbSock;
  }

  return {
    present: configMap !== undefined,
    version: versionFromImage(agent?.image),
    config,
    chainingMode: r.string('cni-chaining-mode', 'none'),
    ipv4Masquerade: r.bool('enable-ipv4-masquerade', true),
    routingMode,
    kubeProxyReplacement,
    socketLb,
    enableHubble: r.bool('enable-hubble', false),
    policyEnforcement: r.string('enable-policy', 'default'),
    clusterName: r.string('cluster-name', 'default'),
  };
}

export interface ClusterModeFacts {
  vpcCni?: VpcCniSettings;
  cilium?: CiliumSettings;
  /** The Cilium agent DaemonSet was found (e.g. `kube-system/cilium`). */
  ciliumDaemonSetFound?: boolean;
  ciliumEndpointCount?: number;
  ciliumNodeCount?: number;
  nodeCount?: number;
}

/** Which CNI setup the cluster runs, and the facts that decided it. */
export function detectClusterMode(facts: ClusterModeFacts): ClusterModeInfo {
  const reasons: string[] = [];
  const { vpcCni, cilium } = facts;
  const awsNode = vpcCni?.present === true;
  const cepCount = facts.ciliumEndpointCount ?? 0;
  const cnCount = facts.ciliumNodeCount ?? 0;
  const ciliumConfig = cilium?.present === true;
  const ciliumSeen = ciliumConfig || facts.ciliumDaemonSetFound === true || cepCount > 0 || cnCount > 0;
  const chaining = ciliumConfig && cilium.chainingMode.origin.source !== 'default' ? cilium.chainingMode.value : undefined;
  const cm = `ConfigMap ${CILIUM_CONFIG.namespace}/${CILIUM_CONFIG.name}`;
  const awsNodeReason = awsNode
    ? `DaemonSet ${AWS_NODE.namespace}/${AWS_NODE.name} found (${vpcCni?.version ?? 'version unknown'})`
    : `DaemonSet ${AWS_NODE.namespace}/${AWS_NODE.name} not found`;
  const ciliumEvidence = (): string[] => {
    const out: string[] = [];
    if (facts.ciliumDaemonSetFound) out.push(`Cilium agent DaemonSet found${cilium?.version ? ` (${cilium.version})` : ''}`);
    if (cepCount > 0) out.push(`${cepCount} CiliumEndpoint${cepCount === 1 ? '' : 's'} found`);
    if (cnCount > 0) out.push(`${cnCount} CiliumNode${cnCount === 1 ? '' : 's'} found`);
    return out;
  };
  const nodesNote = (): void => {
    if (facts.nodeCount !== undefined) reasons.push(`${facts.nodeCount} node${facts.nodeCount === 1 ? '' : 's'} seen`);
  };

  if (chaining === 'aws-cni') {
    reasons.push(`${cm} has cni-chaining-mode=aws-cni`);
    reasons.push(awsNode ? awsNodeReason : `${awsNodeReason}: chaining is configured but the VPC CNI was not seen`);
    nodesNote();
    return { mode: 'aws-cni-chaining', reasons };
  }
  if (chaining !== undefined && chaining !== 'none' && awsNode) {
    reasons.push(`${cm} has cni-chaining-mode=${chaining} (chaining, not the aws-cni mode)`);
    reasons.push(awsNodeReason);
    nodesNote();
    return { mode: 'aws-cni-chaining', reasons };
  }
  if (ciliumSeen && !ciliumConfig && awsNode) {
    reasons.push(`${cm} not found, so the chaining mode is unknown`);
    reasons.push(...ciliumEvidence());
    reasons.push(awsNodeReason);
    reasons.push('Cilium next to aws-node is taken as aws-cni chaining (inferred)');
    nodesNote();
    return { mode: 'aws-cni-chaining', reasons };
  }
  if (ciliumSeen) {
    if (ciliumConfig) {
      reasons.push(chaining === undefined ? `${cm} has no cni-chaining-mode` : `${cm} has cni-chaining-mode=${chaining}`);
      const ipam = cilium.config.ipam;
      if (ipam !== undefined) reasons.push(`${cm} has ipam=${ipam}${ipam === 'eni' ? ' (Cilium allocates ENI IPs itself)' : ''}`);
    } else {
      reasons.push(`${cm} not found`);
    }
    reasons.push(...ciliumEvidence());
    reasons.push(awsNode ? `${awsNodeReason}, but Cilium is not chained to it` : awsNodeReason);
    nodesNote();
    return { mode: 'cilium-only', reasons };
  }
  if (awsNode) {
    reasons.push(awsNodeReason);
    reasons.push(`${cm} not found, no Cilium agent DaemonSet, no CiliumEndpoints`);
    nodesNote();
    return { mode: 'vpc-cni-only', reasons };
  }
  reasons.push(awsNodeReason);
  reasons.push(`${cm} not found, no Cilium agent DaemonSet, no CiliumEndpoints`);
  if (facts.nodeCount === 0 || facts.nodeCount === undefined) reasons.push('no nodes seen: the input may not include cluster objects');
  else nodesNote();
  return { mode: 'unknown', reasons };
}
