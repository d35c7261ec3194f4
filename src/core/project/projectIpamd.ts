/**
 * Projects ipamd introspection bodies (`/v1/enis`, `/v1/*-env-settings`) to the model. The `/v1/enis`
 * shape changed at VPC CNI v1.9 and v1.20 (reference: datapath.md A2, "ipamd introspection"):
 *
 * - ≤ v1.8: `{TotalIPs, AssignedIPs, ENIs{<id>: {ID, IsPrimary, IsTrunk, IsEFA, DeviceNumber,
 *   IPv4Addresses{<ip>: {Address, IPAMKey, UnassignedTime}}}}}`; before v1.7 the map is `ENIIPPools`
 *   and an address has `Assigned` instead of `IPAMKey`.
 * - v1.9–v1.19: per ENI `AvailableIPv4Cidrs{"<ip>/32" | "<prefix>/28": {Cidr{IP, Mask(base64)},
 *   IsPrefix, IPAddresses{<ip>: {Address, IPAMKey, IPAMMetadata, AssignedTime, UnassignedTime}}}}` and
 *   `IPv6Cidrs`; `IPAMMetadata{k8sPodNamespace, k8sPodName}` from v1.11.
 * - v1.20+: the top level is keyed by network card (`"0"`, `"1"`…), each value the v1.9 object;
 *   `RouteTableID` (v1.20.5), `SubnetID`, `IsExcludedForPodIPs` (v1.22); v1.23 blanks
 *   `IPAMKey.containerID`/`ifName`.
 *
 * The ENI's primary IP is not listed by ipamd, so `primaryIp` stays undefined.
 */
import type { EniInfo, EniIp, Provenance } from '../model';
import { ipFamily, parseAnyCidr } from '../net/ipAddress';
import { asArray, asBool, asInt, asNonEmpty, asRecord, asScalarString, describeValue, setOwn, type JsonRecord } from './jsonFields';

export type IpamdShape = 'v1.8-or-older' | 'v1.9-v1.19' | 'v1.20-or-newer' | 'unknown';

export interface IpamdEnisResult {
  enis: EniInfo[];
  problems: string[];
  /** Which `/v1/enis` layout was found. */
  shape: IpamdShape;
}

export interface IpamdOptions {
  /**
   * When the body was fetched. With it, `coolingDown` also requires the release to be within
   * `cooldownSeconds` of this time; without it, any released and not reassigned IP counts.
   */
  now?: Date | string | number;
  /** ipamd `IP_COOLDOWN_PERIOD`, default 30 s. */
  cooldownSeconds?: number;
}

/** Go's zero `time.Time` as JSON. */
const GO_ZERO_TIME_YEAR = 1;

export function projectIpamdEnis(body: unknown, nodeName: string, origin: Provenance, options: IpamdOptions = {}): IpamdEnisResult {
  const problems: string[] = [];
  const enis: EniInfo[] = [];
  const where = `ipamd /v1/enis of node ${nodeName}`;
  const ctx: Ctx = { nodeName, origin, problems, where, now: toMillis(options.now), cooldownMs: (options.cooldownSeconds ?? 30) * 1000 };
  let shape: IpamdShape = 'unknown';
  try {
    const root = asRecord(body);
    if (!root) {
      problems.push(`${where}: expected a JSON object, found ${describeValue(body)}`);
      return { enis, problems, shape };
    }
    const keys = Object.keys(root);
    if ('ENIs' in root || 'ENIIPPools' in root) {
      const legacyPools = !('ENIs' in root);
      const map = legacyPools ? root.ENIIPPools : root.ENIs;
      shape = projectEniMap(map, 0, ctx, enis) ?? (legacyPools ? 'v1.8-or-older' : 'v1.9-v1.19');
    } else if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
      shape = 'v1.20-or-newer';
      for (const k of keys) {
        const card = asRecord(root[k]);
        if (!card || !('ENIs' in card)) {
          problems.push(`${where}: network card "${k}" should be an object with ENIs, found ${describeValue(root[k])}`);
          continue;
        }
        projectEniMap(card.ENIs, Number(k), ctx, enis);
      }
    } else {
      problems.push(
        `${where}: unrecognised shape, found ${describeValue(body)}; expected "ENIs" (VPC CNI ≤ v1.19) or network-card keys "0", "1"… (v1.20+)`,
      );
    }
  } catch (err) {
    problems.push(`${where}: could not be read (${err instanceof Error ? err.message : String(err)})`);
  }
  enis.sort((a, b) => (a.networkCardIndex ?? 0) - (b.networkCardIndex ?? 0) || (a.deviceIndex ?? 0) - (b.deviceIndex ?? 0) || a.id.localeCompare(b.id));
  return { enis, problems, shape };
}

interface Ctx {
  nodeName: string;
  origin: Provenance;
  problems: string[];
  where: string;
  now: number | undefined;
  cooldownMs: number;
}

/** Projects one `ENIs` map; returns the shape its ENIs had (undefined when there were none to tell). */
function projectEniMap(map: unknown, card: number, ctx: Ctx, out: EniInfo[]): IpamdShape | undefined {
  if (map === null || map === undefined) return undefined; // Go nil map
  const rec = asRecord(map);
  if (!rec) {
    ctx.problems.push(`${ctx.where}: ENIs of network card ${card} should be an object, found ${describeValue(map)}`);
    return undefined;
  }
  let shape: IpamdShape | undefined;
  for (const [key, value] of Object.entries(rec)) {
    const eni = asRecord(value);
    if (!eni) {
      ctx.problems.push(`${ctx.where}: ENI ${key} should be an object, found ${describeValue(value)}`);
      continue;
    }
    const id = asNonEmpty(eni.ID) ?? key;
    const isPrimary = asBool(eni.IsPrimary) === true;
    const deviceIndex = asInt(eni.DeviceNumber);
    const info: EniInfo = {
      id,
      nodeName: ctx.nodeName,
      deviceIndex,
      networkCardIndex: card,
      kind: asBool(eni.IsTrunk) ? 'trunk' : asBool(eni.IsEFA) ? 'efa' : 'interface',
      securityGroups: [],
      ips: [],
      prefixes: [],
      routeTableId: asInt(eni.RouteTableID) ?? computedRouteTable(isPrimary, deviceIndex, card),
      tags: {},
      origin: ctx.origin,
    };
    const subnetId = asNonEmpty(eni.SubnetID);
    if (subnetId !== undefined) info.subnetId = subnetId;

    if ('AvailableIPv4Cidrs' in eni || 'IPv6Cidrs' in eni) {
      shape ??= 'v1.9-v1.19';
      projectCidrs(eni.AvailableIPv4Cidrs, info, ctx);
      projectCidrs(eni.IPv6Cidrs, info, ctx);
    } else if ('IPv4Addresses' in eni) {
      shape ??= 'v1.8-or-older';
      projectLegacyAddresses(eni.IPv4Addresses, info, ctx);
    } else {
      ctx.problems.push(`${ctx.where}: ENI ${id} has neither AvailableIPv4Cidrs nor IPv4Addresses; its IPs are unknown`);
    }
    out.push(info);
  }
  return shape;
}

/** Route table ipamd uses for an ENI (`pkg/networkutils`): 254 main for the primary ENI. */
function computedRouteTable(isPrimary: boolean, device: number | undefined, card: number): number | undefined {
  if (isPrimary) return 254;
  if (device === undefined) return undefined;
  return card === 0 ? device + 1 : 10000 + device + 100 * card;
}

/** v1.9+: `AvailableIPv4Cidrs` / `IPv6Cidrs`. */
function projectCidrs(v: unknown, eni: EniInfo, ctx: Ctx): void {
  if (v === null || v === undefined) return;
  const cidrs = asRecord(v);
  if (!cidrs) {
    ctx.problems.push(`${ctx.where}: CIDRs of ENI ${eni.id} should be an object, found ${describeValue(v)}`);
    return;
  }
  for (const [key, value] of Object.entries(cidrs)) {
    const info = asRecord(value);
    if (!info) {
      ctx.problems.push(`${ctx.where}: CIDR ${key} of ENI ${eni.id} should be an object, found ${describeValue(value)}`);
      continue;
    }
    const cidrText = ipNetToCidr(info.Cidr) ?? (key.includes('/') ? key : undefined);
    const parsed = parseAnyCidr(cidrText);
    if (cidrText === undefined || parsed === undefined) {
      ctx.problems.push(`${ctx.where}: CIDR ${JSON.stringify(key)} of ENI ${eni.id} has no usable Cidr${cidrText === undefined ? '' : ` (${JSON.stringify(cidrText)} is not an IPv4 or IPv6 CIDR)`}, skipped`);
      continue;
    }
    const cidr = `${parsed.address}/${parsed.bits}`;
    const base = parsed.address;
    const isPrefix = asBool(info.IsPrefix) === true || parsed.bits < (parsed.family === 4 ? 32 : 128);
    const addresses = asRecord(info.IPAddresses) ?? {};
    if (!isPrefix) {
      const addr = asRecord(addresses[base]) ?? asRecord(Object.values(addresses)[0]);
      eni.ips.push(addressToIp(base, addr, undefined, ctx));
      continue;
    }
    eni.prefixes.push(cidr);
    for (const [ipKey, a] of Object.entries(addresses)) {
      const addr = asRecord(a);
      const ip = checkedAddress(asNonEmpty(addr?.Address) ?? ipKey, eni, ctx);
      if (ip !== undefined) eni.ips.push(addressToIp(ip, addr, cidr, ctx));
    }
  }
}

/** The address when it is an IPv4 or IPv6 address; otherwise a problem naming it, and undefined. */
function checkedAddress(ip: string, eni: EniInfo, ctx: Ctx): string | undefined {
  if (ipFamily(ip) !== undefined) return ip;
  ctx.problems.push(`${ctx.where}: address ${JSON.stringify(ip.length > 60 ? `${ip.slice(0, 60)}…` : ip)} of ENI ${eni.id} is not an IPv4 or IPv6 address, skipped`);
  return undefined;
}

/** ≤ v1.8: `IPv4Addresses{<ip>: {Address, IPAMKey | Assigned, UnassignedTime}}`. */
function projectLegacyAddresses(v: unknown, eni: EniInfo, ctx: Ctx): void {
  if (v === null || v === undefined) return;
  const addresses = asRecord(v);
  if (!addresses) {
    ctx.problems.push(`${ctx.where}: IPv4Addresses of ENI ${eni.id} should be an object, found ${describeValue(v)}`);
    return;
  }
  for (const [key, a] of Object.entries(addresses)) {
    const addr = asRecord(a);
    const ip = checkedAddress(asNonEmpty(addr?.Address) ?? key, eni, ctx);
    if (ip !== undefined) eni.ips.push(addressToIp(ip, addr, undefined, ctx));
  }
}

function addressToIp(ip: string, addr: JsonRecord | undefined, prefix: string | undefined, ctx: Ctx): EniIp {
  const out: EniIp = { ip, primary: false };
  if (prefix !== undefined) out.prefix = prefix;
  if (!addr) {
    out.assigned = false; // a /32 never handed out
    return out;
  }
  const meta = asRecord(addr.IPAMMetadata);
  const podNamespace = asNonEmpty(meta?.k8sPodNamespace);
  const podName = asNonEmpty(meta?.k8sPodName);
  // v1.23 blanks containerID/ifName; the pod metadata still marks the address as assigned.
  const assigned = asBool(addr.Assigned) === true || ipamKeySet(addr.IPAMKey) || (podName !== undefined && podNamespace !== undefined);
  out.assigned = assigned;
  if (assigned && podNamespace !== undefined && podName !== undefined) out.pod = { namespace: podNamespace, name: podName };
  if (!assigned) {
    const unassigned = goTime(addr.UnassignedTime);
    const assignedAt = goTime(addr.AssignedTime);
    const released = unassigned !== undefined && (assignedAt === undefined || unassigned > assignedAt);
    if (released && (ctx.now === undefined || ctx.now - unassigned <= ctx.cooldownMs)) out.coolingDown = true;
  }
  return out;
}

function ipamKeySet(v: unknown): boolean {
  const key = asRecord(v);
  if (!key) return false;
  return [key.networkName, key.containerID, key.ifName].some((s) => typeof s === 'string' && s !== '');
}

/** A Go `time.Time` JSON value in ms, `undefined` when unset (`0001-01-01T00:00:00Z`) or unreadable. */
function goTime(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms) || new Date(ms).getUTCFullYear() <= GO_ZERO_TIME_YEAR) return undefined;
  return ms;
}

function toMillis(v: Date | string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Go `net.IPNet` JSON (`{"IP":"10.0.45.0","Mask":"////8A=="}`) → `10.0.45.0/28`. */
function ipNetToCidr(v: unknown): string | undefined {
  const net = asRecord(v);
  const ip = asNonEmpty(net?.IP);
  const mask = asNonEmpty(net?.Mask);
  if (ip === undefined || mask === undefined) return undefined;
  const len = maskLength(mask);
  return len === undefined ? undefined : `${ip}/${len}`;
}

/** Prefix length of a base64 netmask; `undefined` if not base64 or not contiguous ones. */
function maskLength(base64: string): number | undefined {
  let bytes: string;
  try {
    bytes = atob(base64);
  } catch {
    return undefined;
  }
  if (bytes.length !== 4 && bytes.length !== 16) return undefined;
  let len = 0;
  let seenZero = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i);
    for (let bit = 7; bit >= 0; bit--) {
      const one = (b >> bit) & 1;
      if (one && seenZero) return undefined;
      if (one) len++;
      else seenZero = true;
    }
  }
  return len;
}

/** `AWS_VPC_K8S_CNI_RANDOMIZESNAT` as ipamd reports it (Go enum `snatType`: 0 none, 1 hashrandom, 2 prng). */
const RANDOMIZE_SNAT = ['none', 'hashrandom', 'prng'];

/**
 * `/v1/networkutils-env-settings` or `/v1/ipamd-env-settings` → env-like strings. Lists become
 * comma-separated (as in the env var), booleans `true`/`false`, the SNAT enum its env spelling.
 */
export function projectIpamdEnvSettings(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const rec = asRecord(body);
  if (!rec) return out;
  for (const [key, value] of Object.entries(rec)) {
    if (key === 'AWS_VPC_K8S_CNI_RANDOMIZESNAT' && typeof value === 'number') {
      setOwn(out, key, RANDOMIZE_SNAT[value] ?? String(value));
      continue;
    }
    if (value === null) {
      setOwn(out, key, '');
      continue;
    }
    const scalar = asScalarString(value);
    if (scalar !== undefined) {
      setOwn(out, key, scalar);
      continue;
    }
    if (Array.isArray(value)) {
      const items = asArray(value)
        .map((item) => asScalarString(item) ?? ipNetToCidr(item))
        .filter((s): s is string => s !== undefined && s !== '');
      setOwn(out, key, items.join(','));
    }
  }
  return out;
}
