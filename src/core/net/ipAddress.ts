/**
 * Address family checks for text from the cluster and from AWS: which of IPv4 and IPv6 a string
 * is, if either. The model keeps IPv6 addresses as text (shown, indexed, never mis-read as IPv4);
 * the arithmetic in `ipv4.ts` is for IPv4 only.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

/** 4 or 6 for a plain address (no zone, no prefix length), else undefined. */
export function ipFamily(text: unknown): IpFamily | undefined {
  if (typeof text !== 'string' || text.length > 45) return undefined;
  if (isIPv4(text)) return 4;
  if (isIPv6(text) && !text.includes('%')) return 6;
  return undefined;
}

export interface AnyCidr {
  family: IpFamily;
  address: string;
  bits: number;
}

/** `address/bits` of either family (bits within 0–32 or 0–128), else undefined. */
export function parseAnyCidr(text: unknown): AnyCidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = text.slice(0, slash);
  const bitsText = text.slice(slash + 1);
  const family = ipFamily(address);
  if (family === undefined || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > (family === 4 ? 32 : 128)) return undefined;
  return { family, address, bits };
}

/** A pod's addresses split by family: `status.podIP` first, then `status.podIPs`, each once. */
export function podAddresses(pod: { ip?: string; ips: readonly string[] }): { ipv4: string[]; ipv6: string[] } {
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  for (const ip of pod.ip !== undefined ? [pod.ip, ...pod.ips] : pod.ips) {
    const family = ipFamily(ip);
    const list = family === 4 ? ipv4 : family === 6 ? ipv6 : undefined;
    if (list && !list.includes(ip)) list.push(ip);
  }
  return { ipv4, ipv6 };
}

/**
 * What to tell the user about a pod's IPv6 addresses, which CNI Lens does not model yet: undefined
 * for an IPv4-only pod. `what` says what is done with the pod (`traced`, `decided`).
 */
export function ipv6PodNote(pod: { namespace: string; name: string; ip?: string; ips: readonly string[] }, what: string): string | undefined {
  const { ipv4, ipv6 } = podAddresses(pod);
  if (ipv6.length === 0) return undefined;
  const key = `${pod.namespace}/${pod.name}`;
  if (ipv4.length === 0) return `pod ${key} has only IPv6 addresses (${ipv6.join(', ')}): IPv6 is not yet supported`;
  return `pod ${key} is dual-stack: ${what} with its IPv4 address ${ipv4[0]}; its IPv6 address${ipv6.length === 1 ? '' : 'es'} ${ipv6.join(', ')} ${ipv6.length === 1 ? 'is' : 'are'} not yet supported`;
}
