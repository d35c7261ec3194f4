/**
 * RBAC authorization of the simulated API server, evaluated like kube-apiserver's RBAC authorizer
 * (`plugin/pkg/auth/authorizer/rbac`): the request's attributes (verb, API group, resource,
 * subresource, namespace, name) are allowed when a rule of a role bound to the user (or one of its
 * groups) matches them; otherwise they are denied, and the dispatcher answers 403 with the API
 * server's message. Roles and bindings are the `rbac.authorization.k8s.io/v1` objects a cluster
 * admin applies (ClusterRole, Role, ClusterRoleBinding, RoleBinding), or bare rules granted to the
 * user everywhere.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

/** One rule of a Role or ClusterRole (`rbac.authorization.k8s.io/v1` PolicyRule). */
export interface RbacPolicyRule {
  verbs: string[];
  apiGroups?: string[];
  /** `pods`, `pods/portforward`, `*`, `*\/portforward`. */
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** What RBAC sees of a resource request (kube-apiserver's `RequestInfo`). */
export interface RbacAttributes {
  verb: string;
  apiGroup: string;
  /** Plural resource, without the subresource. */
  resource: string;
  subresource?: string;
  /** Absent for a cluster-scoped request, and for a list or watch across all namespaces. */
  namespace?: string;
  /** The object's name; for a list or watch, the name of a `metadata.name` field selector. */
  name?: string;
}

export interface RbacDecision {
  allowed: boolean;
  /** Which binding, role and rule allowed it, e.g. `ClusterRoleBinding/x → ClusterRole/x rules[2]`. */
  by?: string;
  /** Why it was denied beyond "no rule matched" (a binding whose role does not exist), as RBAC says it. */
  reason?: string;
}

export interface SimRbacInput {
  /** ClusterRole, Role, ClusterRoleBinding and RoleBinding objects. */
  objects?: unknown[];
  /** Rules granted to the user at every scope (as a ClusterRole bound by a ClusterRoleBinding). */
  rules?: RbacPolicyRule[];
}

export class SimRbacError extends Error {}

const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';

interface Role {
  kind: 'ClusterRole' | 'Role';
  namespace?: string;
  name: string;
  rules: RbacPolicyRule[];
}

interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
}

interface Binding {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  namespace?: string;
  name: string;
  roleRef: { kind: 'ClusterRole' | 'Role'; name: string };
  subjects: Subject[];
}

/** The groups kube-apiserver gives an authenticated user (service accounts get their two groups too). */
export function defaultGroups(user: string): string[] {
  const sa = /^system:serviceaccount:([^:]+):[^:]+$/.exec(user);
  return sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`, 'system:authenticated'] : ['system:authenticated'];
}

/**
 * The roles and bindings of a cluster, and the user they are evaluated for. Build it with
 * `SimRbac.compile`, which checks every object and names the one that is wrong.
 */
export class SimRbac {
  private constructor(
    readonly user: string,
    readonly groups: readonly string[],
    private readonly roles: Map<string, Role>,
    private readonly bindings: Binding[],
  ) {}

  static compile(input: SimRbacInput, user: string, groups: readonly string[] = defaultGroups(user), where = 'rbac'): SimRbac {
    const roles = new Map<string, Role>();
    const bindings: Binding[] = [];
    (input.objects ?? []).forEach((object, i) => {
      const parsed = parseRbacObject(object, `${where}.objects[${i}]`);
      if ('rules' in parsed) roles.set(roleKey(parsed.kind, parsed.namespace, parsed.name), parsed);
      else bindings.push(parsed);
    });
    if (input.rules?.length) {
      const name = 'sim:granted-rules';
      roles.set(roleKey('ClusterRole', undefined, name), { kind: 'ClusterRole', name, rules: input.rules.map((r, i) => checkRule(r, `${where}.rules[${i}]`)) });
      bindings.push({ kind: 'ClusterRoleBinding', name, roleRef: { kind: 'ClusterRole', name }, subjects: [{ kind: 'User', name: user }] });
    }
    return new SimRbac(user, groups, roles, bindings);
  }

  /** Allowed when some rule of some role bound to the user matches; RBAC never denies explicitly. */
  authorize(attrs: RbacAttributes): RbacDecision {
    const errors: string[] = [];
    for (const binding of this.bindings) {
      if (binding.kind === 'RoleBinding' && binding.namespace !== attrs.namespace) continue;
      if (!binding.subjects.some((s) => this.isSubject(s, binding.namespace))) continue;
      const roleNamespace = binding.roleRef.kind === 'Role' ? binding.namespace : undefined;
      const role = this.roles.get(roleKey(binding.roleRef.kind, roleNamespace, binding.roleRef.name));
      if (!role) {
        const what = binding.roleRef.kind === 'Role' ? 'role' : 'clusterrole';
        errors.push(`${what}.rbac.authorization.k8s.io "${binding.roleRef.name}" not found`);
        continue;
      }
      const index = role.rules.findIndex((rule) => ruleAllows(rule, attrs));
      if (index >= 0) {
        const bindingName = binding.namespace ? `${binding.kind}/${binding.namespace}/${binding.name}` : `${binding.kind}/${binding.name}`;
        const roleName = role.namespace ? `${role.kind}/${role.namespace}/${role.name}` : `${role.kind}/${role.name}`;
        return { allowed: true, by: `${bindingName} → ${roleName} rules[${index}]` };
      }
    }
    if (errors.length === 0) return { allowed: false };
    return { allowed: false, reason: `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
  }

  private isSubject(subject: Subject, bindingNamespace: string | undefined): boolean {
    switch (subject.kind) {
      case 'User':
        return subject.name === this.user;
      case 'Group':
        return this.groups.includes(subject.name);
      case 'ServiceAccount': {
        const namespace = subject.namespace || bindingNamespace;
        return namespace !== undefined && this.user === `system:serviceaccount:${namespace}:${subject.name}`;
      }
    }
  }
}

/** Does this rule allow the request? The matching of kube-apiserver's `RuleAllows` for resource requests. */
export function ruleAllows(rule: RbacPolicyRule, attrs: RbacAttributes): boolean {
  const has = (list: readonly string[] | undefined, value: string): boolean => !!list && (list.includes('*') || list.includes(value));
  if (!has(rule.verbs, attrs.verb)) return false;
  if (!has(rule.apiGroups, attrs.apiGroup)) return false;
  const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const resources = rule.resources ?? [];
  const resourceMatches = resources.some((r) => r === '*' || r === combined || (attrs.subresource !== undefined && r === `*/${attrs.subresource}`));
  if (!resourceMatches) return false;
  if (!rule.resourceNames || rule.resourceNames.length === 0) return true;
  return attrs.name !== undefined && rule.resourceNames.includes(attrs.name);
}

/**
 * The name RBAC checks for a list or watch: kube-apiserver takes it from a `metadata.name=` (or
 * `==`) term of the field selector, so that `resourceNames` can grant listing one object.
 */
export function nameFromFieldSelector(fieldSelector: string | null | undefined): string | undefined {
  if (!fieldSelector) return undefined;
  for (const term of fieldSelector.split(',')) {
    const match = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    const name = match?.[1];
    if (name && name !== '.' && name !== '..' && !/[/%]/.test(name)) return name;
  }
  return undefined;
}

/**
 * The authorizer of a scenario: its inline objects and rules plus those of `rbac.file`; undefined
 * when the scenario has no `rbac` (every request allowed).
 */
export async function scenarioRbac(
  scenario: { user?: string; groups?: string[]; rbac?: { file?: string; objects?: unknown[]; rules?: RbacPolicyRule[] } },
  defaultUser: string,
): Promise<SimRbac | undefined> {
  if (!scenario.rbac) return undefined;
  const fromFile = scenario.rbac.file ? await loadRbacObjects(scenario.rbac.file) : [];
  const user = scenario.user ?? defaultUser;
  return SimRbac.compile(
    { objects: [...(scenario.rbac.objects ?? []), ...fromFile], rules: scenario.rbac.rules },
    user,
    scenario.groups ?? defaultGroups(user),
    scenario.rbac.file ? `rbac (with ${scenario.rbac.file})` : 'rbac',
  );
}

/** Reads RBAC objects from a YAML or JSON file (several documents, or `kind: List`). */
export async function loadRbacObjects(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SimRbacError(`rbac.file ${file}: ${(err as Error).message}`);
  }
  const objects: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new SimRbacError(`rbac.file ${file}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const list = value as { kind?: unknown; items?: unknown };
    if (list.kind === 'List' && Array.isArray(list.items)) objects.push(...list.items);
    else objects.push(value);
  }
  return objects;
}

function roleKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(path: string, message: string): never {
  throw new SimRbacError(`${path}: ${message}`);
}

function stringList(value: unknown, path: string, required: boolean): string[] | undefined {
  if (value === undefined || value === null) return required ? fail(path, 'is required (a list of strings)') : undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return fail(path, 'must be a list of strings');
  return value as string[];
}

function checkRule(rule: unknown, path: string): RbacPolicyRule {
  if (!isRecord(rule)) return fail(path, 'must be a mapping (verbs, apiGroups, resources, resourceNames)');
  for (const key of Object.keys(rule)) {
    if (!['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'].includes(key)) fail(`${path}.${key}`, 'is not a field of a PolicyRule');
  }
  const verbs = stringList(rule.verbs, `${path}.verbs`, true)!;
  if (verbs.length === 0) fail(`${path}.verbs`, 'must name at least one verb');
  const out: RbacPolicyRule = { verbs };
  const apiGroups = stringList(rule.apiGroups, `${path}.apiGroups`, false);
  const resources = stringList(rule.resources, `${path}.resources`, false);
  const resourceNames = stringList(rule.resourceNames, `${path}.resourceNames`, false);
  const nonResourceURLs = stringList(rule.nonResourceURLs, `${path}.nonResourceURLs`, false);
  if (resources?.length && !apiGroups) fail(`${path}.apiGroups`, 'is required with resources ("" for the core group)');
  if (!resources?.length && !nonResourceURLs?.length) fail(path, 'needs resources or nonResourceURLs');
  if (apiGroups) out.apiGroups = apiGroups;
  if (resources) out.resources = resources;
  if (resourceNames) out.resourceNames = resourceNames;
  if (nonResourceURLs) out.nonResourceURLs = nonResourceURLs;
  return out;
}

function parseRbacObject(object: unknown, path: string): Role | Binding {
  if (!isRecord(object)) return fail(path, 'must be a Kubernetes object (a mapping)');
  const kind = object.kind;
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' && metadata.name ? metadata.name : fail(`${path}.metadata.name`, 'is required');
  const at = `${path} (${String(kind)} ${name})`;
  if (object.apiVersion !== RBAC_API_VERSION) fail(`${at}.apiVersion`, `must be ${RBAC_API_VERSION}, found ${JSON.stringify(object.apiVersion)}`);
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : undefined;
  switch (kind) {
    case 'ClusterRole':
    case 'Role': {
      if (kind === 'Role' && !namespace) fail(`${at}.metadata.namespace`, 'is required for a Role');
      if (object.aggregationRule !== undefined) fail(`${at}.aggregationRule`, 'aggregated ClusterRoles are not simulated; list the rules');
      const rules = object.rules === undefined || object.rules === null ? [] : Array.isArray(object.rules) ? object.rules : fail(`${at}.rules`, 'must be a list');
      return { kind, name, ...(kind === 'Role' ? { namespace } : {}), rules: rules.map((r, i) => checkRule(r, `${at}.rules[${i}]`)) };
    }
    case 'ClusterRoleBinding':
    case 'RoleBinding': {
      if (kind === 'RoleBinding' && !namespace) fail(`${at}.metadata.namespace`, 'is required for a RoleBinding');
      const ref = isRecord(object.roleRef) ? object.roleRef : fail(`${at}.roleRef`, 'is required');
      const refKind = ref.kind === 'ClusterRole' || (ref.kind === 'Role' && kind === 'RoleBinding') ? ref.kind : fail(`${at}.roleRef.kind`, kind === 'RoleBinding' ? 'must be Role or ClusterRole' : 'must be ClusterRole');
      const refName = typeof ref.name === 'string' && ref.name ? ref.name : fail(`${at}.roleRef.name`, 'is required');
      const rawSubjects = object.subjects === undefined || object.subjects === null ? [] : Array.isArray(object.subjects) ? object.subjects : fail(`${at}.subjects`, 'must be a list');
      const subjects = rawSubjects.map((s, i): Subject => {
        const sp = `${at}.subjects[${i}]`;
        if (!isRecord(s)) return fail(sp, 'must be a mapping (kind, name)');
        if (s.kind !== 'User' && s.kind !== 'Group' && s.kind !== 'ServiceAccount') return fail(`${sp}.kind`, 'must be User, Group or ServiceAccount');
        const subjectName = typeof s.name === 'string' && s.name ? s.name : fail(`${sp}.name`, 'is required');
        const subjectNamespace = typeof s.namespace === 'string' && s.namespace ? s.namespace : undefined;
        if (s.kind === 'ServiceAccount' && !subjectNamespace && kind === 'ClusterRoleBinding') fail(`${sp}.namespace`, 'is required for a ServiceAccount of a ClusterRoleBinding');
        return { kind: s.kind, name: subjectName, ...(subjectNamespace ? { namespace: subjectNamespace } : {}) };
      });
      return { kind, name, ...(kind === 'RoleBinding' ? { namespace } : {}), roleRef: { kind: refKind, name: refName }, subjects };
    }
    default:
      return fail(`${at}.kind`, 'must be ClusterRole, Role, ClusterRoleBinding or RoleBinding');
  }
}
