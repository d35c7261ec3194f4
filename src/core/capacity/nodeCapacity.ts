/**
 * ENI / IP / pod capacity of one node against its instance type's limits and the VPC CNI warm-pool
 * settings. Pure: it takes the facts (node, its ENIs, its pods, the aws-node settings) and returns
 * data; unknown instance types, missing ENI data and odd values give flags and notes, never throws.
 *
 * Counting rules:
 * - ENIs against the limit: the ENIs attached on the default network card, branch ENIs (security
 *   groups for pods, VLANs on the trunk) excluded. ENIs on other cards are reported apart.
 * - The pod IP pool: those ENIs minus the trunk ENI (ipamd gives no pod IPs from it) and, with custom
 *   networking, minus the primary ENI (device index 0). Per ENI: secondary IPv4 addresses (the primary
 *   IP is never a pod IP) and 16 addresses per /28 prefix.
 * - Assigned: pool IPs that ipamd marks assigned or that hold a pod, plus the IPv4 addresses of the
 *   node's running, non-host-network pods that are not on a branch ENI (one address counted once).
 * - Free (the warm pool): allocated − assigned.
 */
import type { EniInfo, NodeInfo, PodInfo, Provenance, Setting, VpcCniSettings } from '../model';
import { parseAnyCidr } from '../net/ipAddress';
import type { ClusterStore } from '../store/clusterStore';
import { IPS_PER_PREFIX, instanceLimits, maxPodsForLimits, maxPods as maxPodsForType, type InstanceLimits, type MaxPodsResult } from './instanceCapacity';

export type CapacityFlag =
  /** No instance type, or not in the limits table: limits and max pods are unknown. */
  | 'unknown-instance-type'
  /** No ENI of the node is known (no EC2 nor ipamd data): IP figures come from pods only. */
  | 'no-eni-data'
  /** All ENIs the default network card allows are attached. */
  | 'at-eni-limit'
  /** More ENIs attached than the table allows (stale table, or ENIs of another card). */
  | 'over-eni-limit'
  /** Every pod IP the instance can hold is assigned: the next pod cannot get an IP. */
  | 'ip-exhausted'
  /** No free IP allocated right now: the next pod waits for ipamd to allocate one (if it still can). */
  | 'warm-pool-empty'
  /** Fewer free (or total) IPs than the warm targets ask for, although the node could hold more. */
  | 'below-warm-target'
  /** As many pods as max pods. */
  | 'pods-at-max'
  /** ENABLE_PREFIX_DELEGATION is on but the instance is neither Nitro nor bare metal. */
  | 'prefix-delegation-unsupported';

export type WarmMode = 'warm-eni' | 'warm-ip' | 'warm-prefix';

export interface WarmPool {
  /** Which settings drive ipamd here (WARM_IP_TARGET / MINIMUM_IP_TARGET override the others). */
  mode: WarmMode;
  warmEniTarget: Setting<number | undefined>;
  warmIpTarget: Setting<number | undefined>;
  minimumIpTarget: Setting<number | undefined>;
  warmPrefixTarget: Setting<number | undefined>;
  /** Free IPs ipamd tries to keep (undefined when it cannot be computed, e.g. unknown instance type in warm-ENI mode). */
  targetFree?: number;
  /** Total IPs ipamd keeps allocated at least (MINIMUM_IP_TARGET). */
  targetTotal?: number;
  free: number;
  allocated: number;
  /** Whether the pool meets the targets now; undefined when a target is unknown. */
  met?: boolean;
  description: string;
}

export interface NodeCapacity {
  node: string;
  instanceType?: string;
  limits?: InstanceLimits;
  customNetworking: Setting<boolean>;
  prefixDelegation: Setting<boolean>;
  /** Prefix delegation in effect (enabled and supported by the instance). */
  prefixDelegationActive: boolean;
  enis: {
    /** ENIs attached on the default network card (branch ENIs not counted). */
    used: number;
    /** `ENILimit` of the instance type. */
    max?: number;
    /** ENIs whose addresses go to pods (the pool). */
    forPods: number;
    /** Most ENIs that can carry pod IPs: max, minus the primary under custom networking, minus a trunk ENI. */
    maxForPods?: number;
    onOtherCards: number;
    trunk: number;
    branch: number;
    ids: string[];
  };
  ips: {
    /** IPs held by pods (ipamd `assigned`, IP → pod, and running pods' IPs). */
    assigned: number;
    /** IPs allocated on the pool ENIs (secondary IPs + 16 per prefix). */
    allocated: number;
    /** allocated − assigned: the warm pool. */
    free: number;
    coolingDown: number;
    prefixes: number;
    /** Most pod IPs the instance can hold (ENIs for pods × IPs per ENI). */
    maxPossible?: number;
  };
  pods: {
    /** Running or pending pods that need a VPC IP from the node's pool. */
    nonHostNetwork: number;
    hostNetwork: number;
    /** Pods on branch ENIs (security groups for pods): their IPs are not from the node's pool. */
    branchEni: number;
    /** All running or pending pods: what kubelet's max pods limits. */
    total: number;
    max?: number;
    maxPods: MaxPodsResult;
  };
  warm: WarmPool;
  flags: CapacityFlag[];
  notes: string[];
  origin: Provenance;
}

export interface NodeCapacityOptions {
  /** Passed to `maxPods` (kubelet --max-pods, node capacity, or 250 for > 30 vCPUs). */
  maxPodsCap?: number;
}

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);

/** Capacity of `node` from its ENIs and pods (other nodes' ENIs/pods in the lists are ignored). */
export function nodeCapacity(
  node: NodeInfo,
  enis: readonly EniInfo[],
  pods: readonly PodInfo[],
  settings: VpcCniSettings,
  options: NodeCapacityOptions = {},
): NodeCapacity {
  const notes: string[] = [];
  const flags = new Set<CapacityFlag>();
  const instanceType = node.instanceType?.trim() || undefined;
  const limits = instanceLimits(instanceType);
  const customNetworking = settings.customNetworking ?? { value: false, origin: { source: 'default' } };
  const prefixDelegation = settings.prefixDelegation ?? { value: false, origin: { source: 'default' } };
  const custom = customNetworking.value === true;
  const pdEnabled = prefixDelegation.value === true;

  const maxPodsOptions = { customNetworking: custom, prefixDelegation: pdEnabled, ...(options.maxPodsCap !== undefined ? { maxPodsCap: options.maxPodsCap } : {}) };
  const mp = limits ? maxPodsForLimits(limits, maxPodsOptions) : maxPodsForType(instanceType, maxPodsOptions);
  if (!limits) flags.add('unknown-instance-type');
  const pdActive = pdEnabled && (limits ? limits.prefixDelegationSupported : true);
  if (pdEnabled && limits && !limits.prefixDelegationSupported) flags.add('prefix-delegation-unsupported');

  // ---------------------------------------------------------------- ENIs
  const mine = enis.filter((e) => belongsTo(e, node));
  const defaultCard = limits?.defaultNetworkCardIndex ?? 0;
  const branch = mine.filter((e) => isKind(e, 'branch'));
  const attached = mine.filter((e) => !isKind(e, 'branch'));
  const onCard = attached.filter((e) => (e.networkCardIndex ?? defaultCard) === defaultCard);
  const otherCards = attached.length - onCard.length;
  const trunks = onCard.filter((e) => isKind(e, 'trunk'));
  const primary = findPrimaryEni(onCard, node);
  const pool = onCard.filter((e) => !isKind(e, 'trunk') && !(custom && e === primary));
  if (mine.length === 0) {
    flags.add('no-eni-data');
    notes.push('No ENI of this node is known (EC2 DescribeNetworkInterfaces or ipamd /v1/enis): ENI and allocated-IP figures are 0 and IPs are counted from pods.');
  }
  if (otherCards > 0) notes.push(`${otherCards} ENI(s) on network cards other than ${defaultCard} are not counted against the default card's limit.`);
  if (custom && !primary && onCard.length > 0) notes.push('Custom networking: the primary ENI (device index 0) was not identified, so every ENI is counted in the pod pool.');

  const maxEnis = limits?.enis;
  if (maxEnis !== undefined) {
    if (onCard.length >= maxEnis) flags.add('at-eni-limit');
    if (onCard.length > maxEnis) {
      flags.add('over-eni-limit');
      notes.push(`${onCard.length} ENIs attached but ${limits?.instanceType} allows ${maxEnis} on the default card: the limits table may be out of date.`);
    }
  }
  let maxForPods: number | undefined;
  if (mp.podEnis !== undefined) {
    maxForPods = Math.max(0, mp.podEnis - (trunks.length > 0 ? 1 : 0));
    if (trunks.length > 0) notes.push('A trunk ENI (security groups for pods) takes an ENI slot that gives no pod IPs from the pool; max pods from the table does not subtract it.');
  }

  // ---------------------------------------------------------------- IPs
  const assignedIps = new Set<string>();
  let secondary = 0;
  let coolingDown = 0;
  const prefixes = new Set<string>();
  for (const eni of pool) {
    // IPv4 /28 prefixes only: an IPv6 prefix (IPv6 clusters) is not 16 pod IPv4 addresses
    for (const p of eni.prefixes) if (parseAnyCidr(p)?.family === 4) prefixes.add(p);
    for (const ip of eni.ips) {
      if (ip.primary || !isIpv4(ip.ip)) continue;
      if (ip.prefix) prefixes.add(ip.prefix);
      else secondary++;
      if (ip.pod || ip.assigned === true) assignedIps.add(ip.ip);
      else if (ip.coolingDown) coolingDown++;
    }
  }
  const allocated = secondary + prefixes.size * IPS_PER_PREFIX;

  // the node's running or pending pods: on the host network, on a branch ENI, or from the pool
  let total = 0;
  let hostNetwork = 0;
  let onBranch = 0;
  let poolPods = 0;
  for (const p of pods) {
    if (p.nodeName !== node.name || TERMINAL_PHASES.has(p.phase ?? '')) continue;
    total++;
    if (p.hostNetwork) hostNetwork++;
    else if ((p.podEni?.length ?? 0) > 0) onBranch++;
    else {
      poolPods++;
      // its IPv4 addresses (the set counts each once)
      if (p.ip && isIpv4(p.ip)) assignedIps.add(p.ip);
      for (const ip of p.ips) if (isIpv4(ip)) assignedIps.add(ip);
    }
  }
  const assigned = assignedIps.size;
  if (assigned > allocated && mine.length > 0)
    notes.push(`${assigned} IPs are in use but only ${allocated} are allocated on the known ENIs: some ENI data is missing or stale.`);
  const free = Math.max(0, allocated - assigned);

  let maxPossible: number | undefined;
  if (limits && maxForPods !== undefined) {
    const perEni = Math.max(0, limits.ipv4PerEni - 1) * (pdActive ? IPS_PER_PREFIX : 1);
    maxPossible = maxForPods * perEni;
  }
  if (maxPossible !== undefined && assigned >= maxPossible) flags.add('ip-exhausted');
  if (mine.length > 0 && free === 0 && !flags.has('ip-exhausted')) flags.add('warm-pool-empty');

  // ---------------------------------------------------------------- pods
  const max = mp.value;
  if (max !== undefined && total >= max) flags.add('pods-at-max');

  // ---------------------------------------------------------------- warm pool
  const warm = warmPool(settings, limits, pdActive, allocated, free);
  // the ENIs for pods can hold maxPossible IPs: below it ipamd can still add IPs, prefixes or an ENI
  const canGrow = maxPossible === undefined ? undefined : allocated < maxPossible;
  if (warm.met === false && canGrow !== false) flags.add('below-warm-target');
  if (warm.met === false && canGrow === false) notes.push('The warm-pool target is not met because the instance cannot hold more IPs.');

  return {
    node: node.name,
    ...(instanceType ? { instanceType } : {}),
    ...(limits ? { limits } : {}),
    customNetworking,
    prefixDelegation,
    prefixDelegationActive: pdActive,
    enis: {
      used: onCard.length,
      ...(maxEnis !== undefined ? { max: maxEnis } : {}),
      forPods: pool.length,
      ...(maxForPods !== undefined ? { maxForPods } : {}),
      onOtherCards: otherCards,
      trunk: trunks.length,
      branch: branch.length,
      ids: onCard.map((e) => e.id),
    },
    ips: { assigned, allocated, free, coolingDown, prefixes: prefixes.size, ...(maxPossible !== undefined ? { maxPossible } : {}) },
    pods: {
      nonHostNetwork: poolPods + onBranch,
      hostNetwork,
      branchEni: onBranch,
      total,
      ...(max !== undefined ? { max } : {}),
      maxPods: mp,
    },
    warm,
    flags: [...flags],
    notes: [...notes, ...mp.notes],
    origin: { source: 'inferred', detail: `from node ${node.name}, ${mine.length} ENIs, ${total} pods and the aws-node settings; limits ${limits ? 'from the VPC CNI table' : 'unknown'}` },
  };
}

/** Capacity of every node in the store. */
export function nodeCapacities(store: ClusterStore, settings: VpcCniSettings, options: NodeCapacityOptions = {}): NodeCapacity[] {
  const out: NodeCapacity[] = [];
  for (const node of store.list('node')) out.push(nodeCapacity(node, store.enisOnNode(node.name), store.podsOnNode(node.name), settings, options));
  return out.sort((a, b) => a.node.localeCompare(b.node));
}

// ------------------------------------------------------------------ warm pool

function warmPool(settings: VpcCniSettings, limits: InstanceLimits | undefined, pdActive: boolean, allocated: number, free: number): WarmPool {
  const dflt = (v: number | undefined): Setting<number | undefined> => ({ value: v, origin: { source: 'default' } });
  const warmEniTarget = settings.warmEniTarget ?? dflt(1);
  const warmIpTarget = settings.warmIpTarget ?? dflt(undefined);
  const minimumIpTarget = settings.minimumIpTarget ?? dflt(undefined);
  const warmPrefixTarget = settings.warmPrefixTarget ?? dflt(1);
  const positive = (s: Setting<number | undefined>): number | undefined => (typeof s.value === 'number' && s.value > 0 ? s.value : undefined);
  const wip = positive(warmIpTarget);
  const mip = positive(minimumIpTarget);
  const base = { warmEniTarget, warmIpTarget, minimumIpTarget, warmPrefixTarget, free, allocated };

  if (wip !== undefined || mip !== undefined) {
    // with prefix delegation ipamd works in whole prefixes: round the IP targets up to /28s
    const round = (n: number): number => (pdActive ? Math.ceil(n / IPS_PER_PREFIX) * IPS_PER_PREFIX : n);
    const targetFree = wip !== undefined ? round(wip) : undefined;
    const targetTotal = mip !== undefined ? round(mip) : undefined;
    const met = (targetFree === undefined || free >= targetFree) && (targetTotal === undefined || allocated >= targetTotal);
    const parts = [wip !== undefined ? `WARM_IP_TARGET=${wip}` : '', mip !== undefined ? `MINIMUM_IP_TARGET=${mip}` : ''].filter(Boolean).join(', ');
    return {
      ...base,
      mode: 'warm-ip',
      ...(targetFree !== undefined ? { targetFree } : {}),
      ...(targetTotal !== undefined ? { targetTotal } : {}),
      met,
      description: `${parts}: ipamd keeps ${targetFree ?? 0} IPs free${targetTotal !== undefined ? ` and at least ${targetTotal} allocated` : ''}${pdActive ? ' (rounded up to whole /28 prefixes)' : ''}; ${pdActive ? 'WARM_PREFIX_TARGET' : 'WARM_ENI_TARGET'} is ignored.`,
    };
  }
  if (pdActive) {
    const prefixes = positive(warmPrefixTarget) ?? 0;
    const targetFree = prefixes * IPS_PER_PREFIX;
    return {
      ...base,
      mode: 'warm-prefix',
      targetFree,
      met: free >= targetFree,
      description: `WARM_PREFIX_TARGET=${prefixes}: ipamd keeps ${prefixes} free /28 prefix(es) (${targetFree} IPs) beyond those in use.`,
    };
  }
  const enis = positive(warmEniTarget) ?? 0;
  const perEni = limits ? Math.max(0, limits.ipv4PerEni - 1) : undefined;
  const targetFree = perEni !== undefined ? enis * perEni : undefined;
  return {
    ...base,
    mode: 'warm-eni',
    ...(targetFree !== undefined ? { targetFree } : {}),
    ...(targetFree !== undefined ? { met: free >= targetFree } : {}),
    description:
      targetFree !== undefined
        ? `WARM_ENI_TARGET=${enis}: ipamd keeps ${enis} ENI(s) worth of free IPs (${enis} × ${perEni} = ${targetFree}).`
        : `WARM_ENI_TARGET=${enis}: ipamd keeps ${enis} ENI(s) worth of free IPs; the IPs per ENI are unknown for this instance type.`,
  };
}

// ------------------------------------------------------------------ helpers

function belongsTo(eni: EniInfo, node: NodeInfo): boolean {
  if (eni.nodeName) return eni.nodeName === node.name;
  if (eni.instanceId && node.instanceId) return eni.instanceId === node.instanceId;
  return true; // the caller's list is the node's
}

function isKind(eni: EniInfo, kind: 'branch' | 'trunk'): boolean {
  return eni.kind === kind || eni.interfaceType === kind;
}

function findPrimaryEni(enis: readonly EniInfo[], node: NodeInfo): EniInfo | undefined {
  return (
    enis.find((e) => e.deviceIndex === 0) ??
    (node.internalIp ? enis.find((e) => e.primaryIp === node.internalIp || e.ips.some((ip) => ip.primary && ip.ip === node.internalIp)) : undefined)
  );
}

/** Four groups of one to three digits joined by dots (`/^\d{1,3}(\.\d{1,3}){3}$/`, without the regular expression: it runs for every IP). */
function isIpv4(ip: string): boolean {
  let dots = 0;
  let digits = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return false;
      digits = 0;
    } else {
      return false;
    }
  }
  return dots === 3 && digits > 0;
}
