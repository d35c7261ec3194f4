/**
 * A policy of the manifest, compiled by the policy engine from the document's own text (so a rule
 * being edited is described as written, not as the cluster last saw it), and where the hover
 * target lies in it: which rule (`spec` or `specs[i]`), which section, which entry, which peer.
 */
import { compileCiliumPolicy } from '../analysis/policy/compileCiliumPolicy';
import type { CiliumRuleEntry, CiliumSection, CompiledCiliumPolicy, CompiledCiliumRule, CompiledNetworkPolicy, NpRule, RulePath } from '../analysis/policy/compiledPolicy';
import { compileNetworkPolicy } from '../analysis/policy/compileNetworkPolicy';
import type { NetworkPolicyInfo, PolicyKind } from '../model';
import { asArray, asRecord } from '../project/jsonFields';
import type { ManifestObject, PathKey } from './manifestTarget';

export const CILIUM_SECTIONS: readonly CiliumSection[] = ['ingress', 'ingressDeny', 'egress', 'egressDeny'];

/** The policy kind of a manifest object, when it is one. */
export function policyKindOf(object: ManifestObject): PolicyKind | undefined {
  if (object.kind === 'NetworkPolicy' && object.group === 'networking.k8s.io') return 'NetworkPolicy';
  if (object.group === 'cilium.io' && (object.kind === 'CiliumNetworkPolicy' || object.kind === 'CiliumClusterwideNetworkPolicy')) return object.kind;
  return undefined;
}

/** The policy as the store would hold it, from the manifest object (namespace `default` when not set). */
function policyInfoOf(object: ManifestObject): NetworkPolicyInfo | undefined {
  const kind = policyKindOf(object);
  if (!kind) return undefined;
  const json = object.json();
  const info: NetworkPolicyInfo = { kind, name: object.name ?? '(unnamed)', origin: { source: 'snapshot', detail: 'the manifest being edited' } };
  if (kind !== 'CiliumClusterwideNetworkPolicy') info.namespace = object.namespace ?? 'default';
  if (asRecord(json.spec)) info.spec = json.spec;
  if (kind !== 'NetworkPolicy' && Array.isArray(json.specs)) info.specs = asArray(json.specs) as unknown[];
  return info;
}

export type PolicyLocation =
  | {
      kind: 'NetworkPolicy';
      policy: CompiledNetworkPolicy;
      /** The target lies in `spec.ingress` / `spec.egress`. */
      direction?: 'ingress' | 'egress';
      /** The entry of that section (undefined: the section key itself). */
      rule?: NpRule;
      /** Path below the entry. */
      rest: PathKey[];
    }
  | {
      kind: 'Cilium';
      policy: CompiledCiliumPolicy;
      /** The `spec` / `specs[i]` the target lies in. */
      rule?: CompiledCiliumRule;
      section?: CiliumSection;
      entry?: CiliumRuleEntry;
      rest: PathKey[];
    };

/** Compiles the policy and finds where `path` (relative to the object) lies in it. */
export function locateInPolicy(object: ManifestObject, path: readonly PathKey[]): PolicyLocation | undefined {
  const info = policyInfoOf(object);
  if (!info) return undefined;
  if (info.kind === 'NetworkPolicy') {
    const policy = compileNetworkPolicy(info);
    const loc: PolicyLocation = { kind: 'NetworkPolicy', policy, rest: [] };
    if (path[0] === 'spec' && (path[1] === 'ingress' || path[1] === 'egress')) {
      loc.direction = path[1];
      if (typeof path[2] === 'number') {
        const rule = (path[1] === 'ingress' ? policy.ingress : policy.egress)[path[2]];
        if (rule) loc.rule = rule;
        loc.rest = path.slice(3);
      }
    }
    return loc;
  }
  const policy = compileCiliumPolicy(info);
  const loc: PolicyLocation = { kind: 'Cilium', policy, rest: [] };
  let base: RulePath | undefined;
  if (path[0] === 'spec') base = ['spec'];
  else if (path[0] === 'specs' && typeof path[1] === 'number') base = ['specs', path[1]];
  if (!base) return loc;
  const rule = policy.rules.find((r) => samePath(r.path, base));
  if (rule) loc.rule = rule;
  const i = base.length;
  const section = path[i];
  if (rule && typeof section === 'string' && (CILIUM_SECTIONS as readonly string[]).includes(section)) {
    loc.section = section as CiliumSection;
    const index = path[i + 1];
    if (typeof index === 'number') {
      const entry = rule[section as CiliumSection][index];
      if (entry) loc.entry = entry;
      loc.rest = path.slice(i + 2);
    }
  }
  return loc;
}

function samePath(a: readonly PathKey[], b: readonly PathKey[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}
