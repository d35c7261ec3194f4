/**
 * What ipamd's `/v1/networkutils-env-settings` and `/v1/ipamd-env-settings` report, derived from
 * the aws-node env the way ipamd reads it (`GetConfigForDebug` in `pkg/networkutils/network.go` and
 * `pkg/ipamd/ipamd.go`; reference: datapath.md A2). Go's `json.Marshal` of a map sorts the keys.
 */
import type { RawKubeObject } from '../../core/snapshot/rawSnapshot';
import type { SimObjectStore } from '../simObjectStore';

interface EnvVar {
  name?: string;
  value?: string;
}
interface Container {
  name?: string;
  env?: EnvVar[];
}

/**
 * The literal env of the `aws-node` container on a node: from the node's aws-node pod (what runs),
 * else from the `kube-system/aws-node` DaemonSet template; `valueFrom` entries are skipped.
 */
export function awsNodeEnv(store: SimObjectStore, nodeName: string): Record<string, string> {
  const pods = store.registry.find('v1', 'pods');
  const onNode = (pods ? store.list(pods) : []).filter((p) => isAwsNodePod(p) && (p.spec as { nodeName?: string } | undefined)?.nodeName === nodeName);
  const pod = onNode.find((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running') ?? onNode[0];
  const daemonSets = store.registry.find('apps/v1', 'daemonsets');
  const ds = daemonSets ? store.get(daemonSets, 'kube-system', 'aws-node') : undefined;
  const podContainers = (pod?.spec as { containers?: Container[] } | undefined)?.containers;
  const dsContainers = ((ds?.spec as { template?: { spec?: { containers?: Container[] } } } | undefined)?.template?.spec)?.containers;
  const container = pickAwsNode(podContainers) ?? pickAwsNode(dsContainers);
  const env: Record<string, string> = {};
  for (const v of container?.env ?? []) if (v.name && typeof v.value === 'string') env[v.name] = v.value;
  return env;
}

/** A pod of the `aws-node` DaemonSet in kube-system. */
export function isAwsNodePod(pod: RawKubeObject): boolean {
  return pod.metadata.namespace === 'kube-system' && (pod.metadata.ownerReferences ?? []).some((r) => r.kind === 'DaemonSet' && r.name === 'aws-node');
}

function pickAwsNode(containers: Container[] | undefined): Container | undefined {
  return containers?.find((c) => c.name === 'aws-node');
}

/** `/v1/networkutils-env-settings`. */
export function networkutilsEnvSettings(env: Record<string, string>): Record<string, unknown> {
  return sortKeys({
    AWS_VPC_K8S_CNI_CONNMARK: connmark(env.AWS_VPC_K8S_CNI_CONNMARK),
    AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: cidrList(env.AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS),
    AWS_VPC_K8S_CNI_EXTERNALSNAT: goBool(env.AWS_VPC_K8S_CNI_EXTERNALSNAT, false),
    AWS_EXTERNAL_SERVICE_CIDRS: cidrList(env.AWS_EXTERNAL_SERVICE_CIDRS),
    AWS_VPC_ENI_MTU: mtu(env.AWS_VPC_ENI_MTU),
    AWS_VPC_K8S_CNI_VETHPREFIX: env.AWS_VPC_K8S_CNI_VETHPREFIX ?? 'eni',
    AWS_VPC_CNI_NODE_PORT_SUPPORT: goBool(env.AWS_VPC_CNI_NODE_PORT_SUPPORT, true),
    AWS_VPC_K8S_CNI_RANDOMIZESNAT: randomizeSnat(env.AWS_VPC_K8S_CNI_RANDOMIZESNAT),
  });
}

/** `/v1/ipamd-env-settings`. */
export function ipamdEnvSettings(env: Record<string, string>): Record<string, unknown> {
  return sortKeys({
    WARM_IP_TARGET: nonNegativeInt(env.WARM_IP_TARGET, 0),
    WARM_ENI_TARGET: nonNegativeInt(env.WARM_ENI_TARGET, 1),
    AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: goBool(env.AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG, false),
    AWS_MANAGE_ENIS_NON_SCHEDULABLE: goBool(env.AWS_MANAGE_ENIS_NON_SCHEDULABLE, false),
    ENABLE_SUBNET_DISCOVERY: goBool(env.ENABLE_SUBNET_DISCOVERY, true),
  });
}

function sortKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `getBoolEnvVar`: `strconv.ParseBool`, the default when unset or unparsable. */
function goBool(value: string | undefined, fallback: boolean): boolean {
  if (!value) return fallback;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return fallback;
}

/** `getConnmark`: `strconv.ParseInt(s, 0, 64)` (0x…, 0o…, decimal), 1…2³²−1, default 0x80. */
function connmark(value: string | undefined): number {
  if (!value) return 0x80;
  const text = value.replace(/_/g, '');
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9]\d*|0)$/.exec(text);
  if (!m) return 0x80;
  let digits = m[2]!;
  if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
  const n = Number(digits) * (m[1] === '-' ? -1 : 1);
  return n > 0 && n <= 0xffffffff ? n : 0x80;
}

/** `GetEthernetMTU`: `strconv.Atoi`, clamped to 576…9001, default 9001. */
function mtu(value: string | undefined): number {
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return 9001;
  return Math.min(9001, Math.max(576, Number(value)));
}

/** `typeOfSNAT`: none 0, hashrandom 1, prng 2 (default, also for unknown values). */
function randomizeSnat(value: string | undefined): number {
  if (value === 'none') return 0;
  if (value === 'hashrandom') return 1;
  return 2;
}

/** Warm targets: `strconv.Atoi`, negative or unparsable → the default. */
function nonNegativeInt(value: string | undefined, fallback: number): number {
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return fallback;
  const n = Number(value);
  return n >= 0 ? n : fallback;
}

/** `parseCIDRString`: comma-separated CIDRs, each normalised like Go's `net.ParseCIDR`; nil (null) when none. */
function cidrList(value: string | undefined): string[] | null {
  const out: string[] = [];
  for (const part of (value ?? '').split(',')) {
    const cidr = normaliseCidr(part.trim());
    if (cidr) out.push(cidr);
  }
  return out.length > 0 ? out : null;
}

function normaliseCidr(text: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(text) && text.includes(':') ? text.toLowerCase() : undefined;
  const octets = m.slice(1, 5).map(Number);
  const len = Number(m[5]);
  if (octets.some((o) => o > 255) || len > 32) return undefined;
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const mask = len === 0 ? 0 : (0xffffffff - (2 ** (32 - len) - 1));
  const net = Number((BigInt(ip) & BigInt(mask)).toString());
  return `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join('.')}/${len}`;
}
