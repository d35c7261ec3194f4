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
