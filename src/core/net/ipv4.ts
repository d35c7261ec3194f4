/** IPv4 addresses and CIDRs as unsigned 32-bit numbers. */

export interface Ipv4Cidr {
  /** Network address, masked. */
  base: number;
  bits: number;
  text: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address as a number, or undefined when `text` is not a dotted-quad IPv4 address. */
export function parseIpv4(text: string): number | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== undefined;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Parses `a.b.c.d/n` (a bare address is a /32). Undefined when malformed. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = parseIpv4(slash < 0 ? text : text.slice(0, slash));
  if (addr === undefined) return undefined;
  const bitsText = slash < 0 ? '32' : text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > 32) return undefined;
  const base = (addr & maskOf(bits)) >>> 0;
  return { base, bits, text: `${formatIpv4(base)}/${bits}` };
}

export function cidrContains(cidr: Ipv4Cidr | string, ip: string | number): boolean {
  const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  const n = typeof ip === 'number' ? ip : parseIpv4(ip);
  if (!c || n === undefined) return false;
  return ((n & maskOf(c.bits)) >>> 0) === c.base;
}

/** Number of addresses in the CIDR. */
export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.bits);
}
