/**
 * Hover on a policy rule — an element of `ingress`/`egress`/`ingressDeny`/`egressDeny`, its
 * `from`/`to`/`ports`/`toPorts` — or on a section key (every rule of it), or on the policy's name
 * (what it selects and every rule): each rule in one sentence with the pods it concerns now.
 */
import type { CiliumSection, CompiledCiliumRule } from '../analysis/policy/compiledPolicy';
import { podKey } from './clusterFacts';
import { firstNames, markdownEscape, plural } from './hoverMarkdown';
import type { HoverRequest } from './hoverRequest';
import { CILIUM_SECTIONS, locateInPolicy, policyKindOf } from './policyLocation';
import { ciliumSubject, describeCiliumEntry, describeNpRule, npSubject, type RuleDescription } from './ruleSentence';

/** Rules described in one hover before `… and N more`. */
const MAX_RULES = 12;

export function ruleHover(req: HoverRequest): string | undefined {
  const { target } = req;
  if (!policyKindOf(target.object)) return undefined;
  const loc = locateInPolicy(target.object, target.path);
  if (!loc) return undefined;
  const title = policyTitle(req);
  if (loc.kind === 'NetworkPolicy') {
    if (!loc.direction) return undefined;
    const list = loc.direction === 'ingress' ? loc.policy.ingress : loc.policy.egress;
    if (loc.rule) {
      const i = list.indexOf(loc.rule);
      return render(`${title} · ${loc.direction} rule ${i + 1}`, [describeNpRule(req.facts, loc.policy, loc.direction, loc.rule)]);
    }
    if (target.path.length !== 2) return undefined;
    const isolation = loc.direction === 'ingress' ? loc.policy.ingressIsolation : loc.policy.egressIsolation;
    if (list.length === 0) return `${title} · ${loc.direction}\n\n${isolation ? `no rule: isolates the selected pods for ${loc.direction} and allows nothing` : `no rule`}`;
    return render(`${title} · ${loc.direction} (${plural(list.length, 'rule')})`, list.map((r) => describeNpRule(req.facts, loc.policy, loc.direction as 'ingress' | 'egress', r)));
  }
  if (!loc.rule || !loc.section) return undefined;
  if (loc.entry) {
    const i = loc.rule[loc.section].indexOf(loc.entry);
    return render(`${title} · ${loc.section} rule ${i + 1}`, [describeCiliumEntry(req.facts, loc.policy, loc.rule, loc.entry)]);
  }
  const base = loc.rule.path.length;
  if (target.path.length !== base + 1) return undefined;
  const rule = loc.rule;
  const entries = rule[loc.section];
  if (entries.length === 0) return `${title} · ${loc.section}\n\nno rule`;
  return render(`${title} · ${loc.section} (${plural(entries.length, 'rule')})`, entries.map((e) => describeCiliumEntry(req.facts, loc.policy, rule, e)), defaultDenyNote(rule, loc.section));
}

/** Hover on a policy's name: what it selects, and each of its rules. */
export function policyNameHover(req: HoverRequest): string | undefined {
  const { target } = req;
  if (target.isKey || target.path.length !== 2 || target.path[0] !== 'metadata' || target.path[1] !== 'name') return undefined;
  if (!policyKindOf(target.object)) return undefined;
  const loc = locateInPolicy(target.object, []);
  if (!loc) return undefined;
  const title = policyTitle(req);
  const lines: string[] = [`**${title}**`, ''];
  const rules: RuleDescription[] = [];
  if (loc.kind === 'NetworkPolicy') {
    const subject = npSubject(req.facts, loc.policy);
    const dirs = [loc.policy.ingressIsolation ? 'ingress' : '', loc.policy.egressIsolation ? 'egress' : ''].filter(Boolean).join(' and ');
    lines.push(`Selects ${subject.phrase}: ${plural(subject.selected.length, 'pod')}${subject.selected.length > 0 ? ` (${firstNames(subject.selected.map(podKey))})` : ''}${dirs ? `; isolates ${dirs}` : '; isolates nothing'}`);
    if (subject.notEnforced.length > 0) lines.push('', `Not enforced on ${plural(subject.notEnforced.length, 'unmanaged pod')} (no CiliumEndpoint): ${firstNames(subject.notEnforced.map(podKey))}`);
    for (const r of loc.policy.ingress) rules.push(describeNpRule(req.facts, loc.policy, 'ingress', r));
    for (const r of loc.policy.egress) rules.push(describeNpRule(req.facts, loc.policy, 'egress', r));
  } else {
    for (const rule of loc.policy.rules) {
      const subject = ciliumSubject(req.facts, rule);
      const where = loc.policy.rules.length > 1 ? `${markdownEscape(rule.path.join('.'))}: ` : '';
      lines.push(`${where}Selects ${subject.phrase}: ${subject.count}${subject.selected.length > 0 ? ` (${firstNames(subject.selected.map(podKey))})` : ''}`);
      if (subject.notEnforced.length > 0) lines.push('', `Not enforced on ${plural(subject.notEnforced.length, 'unmanaged pod')} (no CiliumEndpoint): ${firstNames(subject.notEnforced.map(podKey))}`);
      for (const section of CILIUM_SECTIONS) for (const e of rule[section]) rules.push(describeCiliumEntry(req.facts, loc.policy, rule, e));
    }
  }
  if (rules.length > 0) lines.push('', ...ruleLines(rules));
  const problems = loc.policy.problems;
  if (problems.length > 0) lines.push('', `Problems: ${problems.slice(0, 3).map((p) => markdownEscape(p)).join('; ')}`);
  return lines.join('\n');
}

function policyTitle(req: HoverRequest): string {
  const { object } = req.target;
  const ns = object.kind === 'CiliumClusterwideNetworkPolicy' ? '' : `${object.namespace ?? 'default'}/`;
  return `${markdownEscape(object.kind)} ${markdownEscape(ns)}${markdownEscape(object.name ?? '(unnamed)')}`;
}

function render(title: string, rules: RuleDescription[], extra?: string): string {
  return [`**${title}**`, '', ...ruleLines(rules), ...(extra ? ['', extra] : [])].join('\n');
}

function ruleLines(rules: RuleDescription[]): string[] {
  const lines: string[] = [];
  for (const r of rules.slice(0, MAX_RULES)) {
    lines.push(`- ${r.sentence}`);
    for (const n of r.notes) lines.push(`  - ${n}`);
  }
  if (rules.length > MAX_RULES) lines.push(`- … and ${rules.length - MAX_RULES} more rules`);
  return lines;
}

function defaultDenyNote(rule: CompiledCiliumRule, section: CiliumSection): string | undefined {
  const ingress = section.startsWith('ingress');
  const on = ingress ? rule.defaultDenyIngress : rule.defaultDenyEgress;
  return on ? undefined : `enableDefaultDeny ${ingress ? 'ingress' : 'egress'} is false: the selected pods are not isolated; only these rules act`;
}

