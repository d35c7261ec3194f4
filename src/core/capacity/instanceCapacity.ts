/**
 * Instance-type networking limits and the max-pods arithmetic of the AWS VPC CNI.
 *
 * The table is `data/instanceLimits.json`, generated from the VPC CNI's
 * `pkg/vpc/vpc_ip_resource_limit.go` by `scripts/capacity/generateInstanceLimits.ts` (see its header
 * for the shape and how to regenerate it). It is imported, so esbuild bundles it into the CLI and the
 * extension; nothing is read from disk at run time.
 *
 * Formulas (reference: datapath.md A2 "Instance limits and max pods"):
 * - secondary IPs (default):      ENIs × (IPv4 − 1) + 2           — `misc/eni-max-pods.txt`
 * - custom networking:           (ENIs − 1) × (IPv4 − 1) + 2     — the primary ENI gives no pod IPs
 * - prefix delegation:            ENIs × ((IPv4 − 1) × 16) + 2   — each secondary IP slot holds a /28
 * - prefix + custom networking:  (ENIs − 1) × ((IPv4 − 1) × 16) + 2
 * "− 1": the ENI's primary IP is not given to pods; "+ 2": aws-node and kube-proxy use the host network.
 * ENIs and IPv4 are the default network card's (`ENILimit`, `IPv4Limit`), as in eni-max-pods.txt.
 *
 * Recommended cap: the EKS AMI's `files/max-pods-calculator.sh` (awslabs/amazon-eks-ami) prints
 * min(value, 110) for instance types with ≤ 30 vCPUs and min(value, 250) above. The table has no
 * vCPU counts, so when prefix delegation is on and no explicit `maxPodsCap` is given, the value is
 * capped at 110 and the notes say that 250 applies to types with more than 30 vCPUs.
 * Prefix delegation needs a Nitro or bare-metal instance (`IsPrefixDelegationSupported` in the VPC
 * CNI's `pkg/awsutils/awsutils.go`); elsewhere ipamd hands out secondary IPs, and so does this code.
 */
import rawTable from '../../../data/instanceLimits.json';

export interface NetworkCardLimit {
  index: number;
  maxEnis: number;
}

export interface InstanceLimits {
  instanceType: string;
  /** `ENILimit`: ENIs on the default network card. */
  enis: number;
  /** `IPv4Limit`: IPv4 addresses per ENI, the primary one included. */
  ipv4PerEni: number;
  networkCards: NetworkCardLimit[];
  defaultNetworkCardIndex: number;
  /** `nitro`, `xen` or `unknown` (bare metal). */
  hypervisor: string;
  bareMetal: boolean;
  /** Nitro or bare metal: ipamd can allocate /28 prefixes. */
  prefixDelegationSupported: boolean;
}

/** Where the shipped table comes from. */
export interface InstanceLimitsSource {
  source: string;
  generatedFrom: string;
  count: number;
}

type CompactEntry = [number, number, ...unknown[]];

interface TableFile {
  source: string;
  generatedFrom: string;
  count: number;
  types: Record<string, CompactEntry>;
}

const TABLE = rawTable as unknown as TableFile;
const cache = new Map<string, InstanceLimits | null>();

/** 16 addresses per /28 prefix. */
export const IPS_PER_PREFIX = 16;
/** max-pods-calculator.sh ceilings. */
export const MAX_PODS_CEILING_LOW_CPU = 110;
export const MAX_PODS_CEILING_HIGH_CPU = 250;
/** Pods on the host network that the "+ 2" stands for. */
export const HOST_NETWORK_PODS_IN_FORMULA = 2;

export function instanceLimitsSource(): InstanceLimitsSource {
  return { source: TABLE.source, generatedFrom: TABLE.generatedFrom, count: Object.keys(TABLE.types).length };
}

/** Every instance type in the table, sorted. */
export function knownInstanceTypes(): string[] {
  return Object.keys(TABLE.types).sort();
}

/** The limits of `instanceType`, or `undefined` when the table does not know it (or no type is given). */
export function instanceLimits(instanceType: string | undefined | null): InstanceLimits | undefined {
  if (typeof instanceType !== 'string') return undefined;
  const key = instanceType.trim().toLowerCase();
  if (!key) return undefined;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const entry = Object.prototype.hasOwnProperty.call(TABLE.types, key) ? TABLE.types[key] : undefined;
  const limits = entry ? expand(key, entry) : undefined;
  cache.set(key, limits ?? null);
  return limits;
}

function expand(instanceType: string, entry: CompactEntry): InstanceLimits | undefined {
  const [enis, ipv4PerEni, cards = 1, hypervisor = 'nitro', bareMetal = 0, defaultCard = 0] = entry;
  if (!isCount(enis) || !isCount(ipv4PerEni)) return undefined;
  let networkCards: NetworkCardLimit[];
  if (Array.isArray(cards)) {
    networkCards = cards
      .filter((c): c is [number, number] => Array.isArray(c) && isCount(c[0]) && isCount(c[1]))
      .map(([index, maxEnis]) => ({ index, maxEnis }));
  } else {
    networkCards = Array.from({ length: isCount(cards) ? cards : 1 }, (_, index) => ({ index, maxEnis: enis }));
  }
  const hv = typeof hypervisor === 'string' ? hypervisor : 'nitro';
  const metal = bareMetal === 1 || bareMetal === true;
  return {
    instanceType,
    enis,
    ipv4PerEni,
    networkCards,
    defaultNetworkCardIndex: isCount(defaultCard) ? defaultCard : 0,
    hypervisor: hv,
    bareMetal: metal,
    prefixDelegationSupported: hv === 'nitro' || metal,
  };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

// ------------------------------------------------------------------ max pods

export interface MaxPodsOptions {
  /** `AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true`: the primary ENI is not used for pods. */
  customNetworking?: boolean;
  /** `ENABLE_PREFIX_DELEGATION=true`: /28 prefixes instead of single secondary IPs. */
  prefixDelegation?: boolean;
  /**
   * An explicit ceiling (kubelet `--max-pods`, a node's `status.capacity.pods`, or 250 for a type with
   * more than 30 vCPUs). Applies in every mode and replaces the default 110 prefix-delegation cap.
   */
  maxPodsCap?: number;
}

export type MaxPodsMode = 'secondary-ips' | 'prefix-delegation';

export interface MaxPodsResult {
  instanceType?: string;
  /** The max pods to expect, after any cap; `undefined` for an unknown instance type. */
  value: number | undefined;
  /** The formula's value before any cap. */
  uncapped?: number;
  /** Human-readable arithmetic, e.g. "3 ENIs × (10 − 1) IPs + 2 = 29". */
  formula: string;
  mode?: MaxPodsMode;
  /** The ceiling that lowered `value`, when one did. */
  cap?: { value: number; reason: string };
  /** ENIs that carry pod IPs (ENI limit, minus the primary ENI under custom networking). */
  podEnis?: number;
  /** Pod IPs the ENIs can hold: `value` without the "+ 2" and before any cap. */
  podIps?: number;
  notes: string[];
}

/** Max pods for an instance type, by the VPC CNI formula; never throws. */
export function maxPods(instanceType: string | undefined | null, options: MaxPodsOptions = {}): MaxPodsResult {
  const limits = instanceLimits(instanceType);
  if (!limits) {
    const name = typeof instanceType === 'string' && instanceType.trim() ? instanceType.trim() : undefined;
    return {
      ...(name ? { instanceType: name } : {}),
      value: undefined,
      formula: name ? `unknown instance type ${name}` : 'no instance type',
      notes: [
        name
          ? `${name} is not in the VPC CNI limits table (${TABLE.count} types, ${TABLE.generatedFrom}); regenerate data/instanceLimits.json if it is a new type.`
          : 'The node has no instance type label (node.kubernetes.io/instance-type), so its limits are unknown.',
      ],
    };
  }
  return maxPodsForLimits(limits, options);
}

/** Max pods for explicit limits (the table's or any other); never throws. */
export function maxPodsForLimits(limits: InstanceLimits, options: MaxPodsOptions = {}): MaxPodsResult {
  const notes: string[] = [];
  const custom = options.customNetworking === true;
  let mode: MaxPodsMode = 'secondary-ips';
  if (options.prefixDelegation === true) {
    if (limits.prefixDelegationSupported) mode = 'prefix-delegation';
    else
      notes.push(
        `Prefix delegation is enabled but ${limits.instanceType} is neither Nitro nor bare metal (hypervisor "${limits.hypervisor}"), so ipamd allocates secondary IPs: the secondary-IP formula is used.`,
      );
  }
  const enis = limits.enis;
  const podEnis = Math.max(0, custom ? enis - 1 : enis);
  const slotsPerEni = Math.max(0, limits.ipv4PerEni - 1);
  const ipsPerEni = mode === 'prefix-delegation' ? slotsPerEni * IPS_PER_PREFIX : slotsPerEni;
  const podIps = podEnis * ipsPerEni;
  const uncapped = podIps + HOST_NETWORK_PODS_IN_FORMULA;

  const eniText = custom ? `(${enis} − 1) ENIs` : `${enis} ENIs`;
  const ipText =
    mode === 'prefix-delegation' ? `((${limits.ipv4PerEni} − 1) × ${IPS_PER_PREFIX}) IPs` : `(${limits.ipv4PerEni} − 1) IPs`;
  let formula = `${eniText} × ${ipText} + ${HOST_NETWORK_PODS_IN_FORMULA} = ${uncapped}`;

  if (custom) notes.push('Custom networking: the primary ENI is not used for pod IPs, so one ENI fewer counts.');
  if (custom && podEnis === 0) notes.push(`${limits.instanceType} has a single ENI: with custom networking no pod can get a VPC IP; only host-network pods run.`);
  if (mode === 'prefix-delegation')
    notes.push(`Prefix delegation: each of the ${slotsPerEni} secondary IP slots per ENI holds a /28 prefix (${IPS_PER_PREFIX} IPs).`);
  if (limits.networkCards.length > 1)
    notes.push(
      `${limits.instanceType} has ${limits.networkCards.length} network cards; like eni-max-pods.txt only the default card (${limits.defaultNetworkCardIndex}) is counted (ENIs on other cards need ENABLE_MULTI_NIC).`,
    );

  let value = uncapped;
  let cap: MaxPodsResult['cap'];
  const explicitCap = typeof options.maxPodsCap === 'number' && Number.isFinite(options.maxPodsCap) && options.maxPodsCap >= 0 ? Math.floor(options.maxPodsCap) : undefined;
  if (options.maxPodsCap !== undefined && explicitCap === undefined) notes.push(`Ignored maxPodsCap ${String(options.maxPodsCap)}: not a non-negative number.`);
  if (explicitCap !== undefined) {
    if (explicitCap < uncapped) {
      value = explicitCap;
      cap = { value: explicitCap, reason: 'explicit max-pods cap' };
      formula += `; min(${uncapped}, ${explicitCap}) = ${explicitCap}`;
    }
  } else if (mode === 'prefix-delegation' && uncapped > MAX_PODS_CEILING_LOW_CPU) {
    value = MAX_PODS_CEILING_LOW_CPU;
    cap = {
      value: MAX_PODS_CEILING_LOW_CPU,
      reason: `EKS max-pods calculator ceiling: ${MAX_PODS_CEILING_LOW_CPU} for ≤ 30 vCPUs (vCPUs are not in the table)`,
    };
    formula += `; min(${uncapped}, ${MAX_PODS_CEILING_LOW_CPU}) = ${MAX_PODS_CEILING_LOW_CPU}`;
    notes.push(
      `Capped at ${MAX_PODS_CEILING_LOW_CPU}, the EKS AMI max-pods calculator's recommendation for instance types with ≤ 30 vCPUs; types with more than 30 vCPUs get ${MAX_PODS_CEILING_HIGH_CPU}. The limits table has no vCPU counts, so ${MAX_PODS_CEILING_LOW_CPU} is assumed; pass maxPodsCap (e.g. ${MAX_PODS_CEILING_HIGH_CPU}, or the kubelet's --max-pods) to override. The ENIs could hold ${uncapped}.`,
    );
  } else if (mode === 'secondary-ips' && uncapped > MAX_PODS_CEILING_LOW_CPU) {
    notes.push(
      `This is the VPC CNI table value (eni-max-pods.txt); the EKS AMI max-pods calculator would recommend min(${uncapped}, ${MAX_PODS_CEILING_LOW_CPU}) for ≤ 30 vCPUs or min(${uncapped}, ${MAX_PODS_CEILING_HIGH_CPU}) above, and the kubelet's --max-pods decides.`,
    );
  }
  return { instanceType: limits.instanceType, value, uncapped, formula, mode, ...(cap ? { cap } : {}), podEnis, podIps, notes };
}
