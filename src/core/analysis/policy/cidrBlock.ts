/** CIDR blocks with exceptions (`ipBlock`, `fromCIDRSet`), matched against an address or a range. */
import { cidrContains, parseCidr, type Ipv4Cidr } from '../../net/ipv4';
import type { CidrBlock } from './compiledPolicy';

export function parseCidrBlock(cidrText: unknown, exceptTexts: readonly unknown[]): CidrBlock | { problem: string } {
  if (typeof cidrText !== 'string' || cidrText === '') return { problem: 'cidr is missing' };
  if (cidrText.includes(':')) return { cidr: undefined, except: [], ipv6: true, text: cidrText };
  const cidr = parseCidr(cidrText.includes('/') ? cidrText : `${cidrText}/32`);
  if (!cidr) return { problem: `"${cidrText}" is not a CIDR` };
  const except: Ipv4Cidr[] = [];
  for (const e of exceptTexts) {
    if (typeof e !== 'string') return { problem: 'except entry is not a string' };
    if (e.includes(':')) continue;
    const c = parseCidr(e.includes('/') ? e : `${e}/32`);
    if (!c) return { problem: `except "${e}" is not a CIDR` };
    except.push(c);
  }
  return { cidr, except, ipv6: false, text: exceptTexts.length > 0 ? `${cidrText} except ${exceptTexts.join(', ')}` : cidrText };
}

/** `inner` lies entirely inside `outer`. */
export function cidrWithin(inner: Ipv4Cidr, outer: Ipv4Cidr): boolean {
  return inner.bits >= outer.bits && cidrContains(outer, inner.base);
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrWithin(a, b) || cidrWithin(b, a);
}

export type BlockMatch = 'all' | 'none' | 'part';

/** Whether every address of `range` is in the block (`all`), none is, or only some are. */
export function matchBlock(block: CidrBlock, range: Ipv4Cidr): BlockMatch {
  if (!block.cidr) return 'none';
  if (!cidrsOverlap(block.cidr, range)) return 'none';
  if (!cidrWithin(range, block.cidr)) return 'part';
  for (const e of block.except) {
    if (cidrWithin(range, e)) return 'none';
    if (cidrsOverlap(e, range)) return 'part';
  }
  return 'all';
}
