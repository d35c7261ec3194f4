/**
 * Hover on a CIDR: a policy's `ipBlock.cidr` / `except`, `toCIDR` / `fromCIDR`, `toCIDRSet` /
 * `fromCIDRSet` `cidr` / `except` (a bare address there is a /32), or any scalar written as a CIDR.
 * Says where it lies in the VPC (primary CIDR, a secondary CIDR, outside), which subnets, ENIs,
 * nodes, pods and Services fall inside, and — where Cilium enforces the policy — that a CIDR rule
 * does not select the pods Cilium manages.
 */
import { parseCidrBlock } from '../analysis/policy/cidrBlock';
import { asArray } from '../project/jsonFields';
import { ipOwnerLines, rangeContents, vpcPlacement, type FirstKeys } from './addressFacts';
import { firstNames, markdownEscape, plural } from './hoverMarkdown';
import { valueAt, type HoverRequest } from './hoverRequest';
import type { PathKey } from './manifestTarget';
import { policyKindOf } from './policyLocation';

const CIDR_LISTS = new Set(['toCIDR', 'fromCIDR']);
const CIDR_SETS = new Set(['toCIDRSet', 'fromCIDRSet']);
const CIDR_TEXT = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

type CidrField = { kind: 'cidr'; exceptPath?: PathKey[] } | { kind: 'except'; cidrPath: PathKey[] };

/** Whether `path` is a CIDR field of a policy, and where its `except` list (or its `cidr`) is. */
function policyCidrField(path: readonly PathKey[]): CidrField | undefined {
  const n = path.length;
  const last = path[n - 1];
  const parent = path[n - 2];
  if (last === 'cidr' && (parent === 'ipBlock' || (typeof parent === 'number' && CIDR_SETS.has(String(path[n - 3]))))) {
    return { kind: 'cidr', exceptPath: [...path.slice(0, n - 1), 'except'] };
  }
  if (typeof last === 'number' && CIDR_LISTS.has(String(parent))) return { kind: 'cidr' };
  if (typeof last === 'number' && parent === 'except' && (path[n - 3] === 'ipBlock' || (typeof path[n - 3] === 'number' && CIDR_SETS.has(String(path[n - 4]))))) {
    return { kind: 'except', cidrPath: [...path.slice(0, n - 2), 'cidr'] };
  }
  return undefined;
}

export function cidrHover(req: HoverRequest): string | undefined {
  const { target, facts } = req;
  const { object } = target;
  const policyKind = policyKindOf(object);
  let field = policyKind ? policyCidrField(target.path) : undefined;
  let text = target.text;
  if (target.isKey) {
    // the `cidr:` key: its value
    if (!field || field.kind !== 'cidr' || target.path[target.path.length - 1] !== 'cidr') return undefined;
    const v = valueAt(object.json(), target.path);
    text = typeof v === 'string' ? v : undefined;
  }
  if (!text) return undefined;
  if (!field && !CIDR_TEXT.test(text)) return undefined;
  field ??= { kind: 'cidr' };
  if (text.includes(':')) return `**${markdownEscape(text)}**\n\nAn IPv6 range: not evaluated (CNI Lens models the IPv4 cluster).`;
  const excepts = field.kind === 'cidr' && field.exceptPath ? asArray(valueAt(object.json(), field.exceptPath)) : [];
  const block = parseCidrBlock(text, excepts);
  if ('problem' in block || !block.cidr) return `**${markdownEscape(text)}**\n\nNot a CIDR: ${'problem' in block ? markdownEscape(block.problem) : 'unreadable'}.`;
  const range = block.cidr;
  const lines: string[] = [];
  const exceptOf = field.kind === 'except' ? valueAt(object.json(), field.cidrPath) : undefined;
  lines.push(`**CIDR ${markdownEscape(range.text)}**${typeof exceptOf === 'string' ? ` (excepted from ${markdownEscape(exceptOf)})` : ''}: ${vpcPlacement(req.store, range)}`, '');
  if (block.except.length > 0) lines.push(`Except ${block.except.map((e) => markdownEscape(e.text)).join(', ')}: what follows leaves them out.`, '');
  if (range.bits === 32) {
    const owners = ipOwnerLines(req.store, range.text.slice(0, range.text.indexOf('/')));
    if (owners.length > 0) lines.push(...owners.map((o) => `- ${o}`));
  }
  const inside = rangeContents(facts, block);
  lines.push(`- **Subnets**: ${inside.subnets.length === 0 ? 'none' : `${plural(inside.subnets.length, 'subnet')} (${firstNames(inside.subnets.map((s) => `${s.id} ${s.cidr}${s.name ? ` (${s.name})` : ''}`), 3)})`}`);
  const eniParts = [`${inside.enis.ofNodes} of nodes`, ...inside.enis.others.map((g) => `${markdownEscape(g.label)} (${firstNames(g.ips, 3)})`)];
  lines.push(`- **ENIs**: ${inside.enis.count === 0 ? 'none' : `${inside.enis.count}: ${eniParts.join('; ')}`}`);
  lines.push(`- **Nodes**: ${countList(inside.nodes, 'node')}`);
  lines.push(`- **Pods**: ${countList(inside.pods, 'pod')}`);
  lines.push(`- **Services**: ${countList(inside.services, 'Service')}`);
  const ciliumEnforces = policyKind !== undefined && policyKind !== 'NetworkPolicy' ? true : policyKind === 'NetworkPolicy' && facts.engine === 'cilium';
  if (ciliumEnforces && field.kind === 'cidr') {
    const managed = inside.pods.managed;
    const nodesMatch = (facts.store.get('configMap', 'kube-system/cilium-config')?.data['policy-cidr-match-mode'] ?? '').split(/[\s,]+/).includes('nodes');
    const what: string[] = [];
    if (inside.pods.count > 0) what.push(`the ${plural(inside.pods.count, 'pod')} inside (${managed} managed by Cilium)`);
    if (inside.nodes.count > 0 && !nodesMatch) what.push(`the ${plural(inside.nodes.count, 'node')} (policy-cidr-match-mode is not nodes)`);
    lines.push(
      '',
      `Cilium: a CIDR rule${policyKind === 'NetworkPolicy' ? ' (ipBlock)' : ''} matches only addresses outside the cluster; it never selects pods that Cilium manages — use an endpoint selector for them${what.length > 0 ? `. Not matched here: ${what.join(' and ')}` : ''}.`,
    );
  }
  return lines.join('\n');
}

function countList(found: FirstKeys, one: string): string {
  if (found.count === 0) return 'none';
  const more = found.count - found.first.length;
  return `${plural(found.count, one)} (${found.first.map((k) => markdownEscape(k)).join(', ')}${more > 0 ? ` … and ${more} more` : ''})`;
}
