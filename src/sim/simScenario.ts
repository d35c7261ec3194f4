/**
 * A scenario: how the simulated cluster deviates from serving its snapshot plainly (RBAC denials,
 * CRDs not installed). Given in code or read from `DIR/sim-scenario.yaml` (see README.md).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { CrdInstallation } from './resourceRegistry';
import { SimRbac, type RbacPolicyRule } from './simRbac';

/** The caller lacks RBAC permission for these requests: they get 403 Forbidden. */
export interface SimForbiddenRule {
  /** API group, `''` for core. */
  group: string;
  /** Plural resource name (`ciliumendpoints`), or `*` for every resource of the group. */
  resource: string;
  /** Verbs denied (`get`, `list`, `watch`, `create` for port-forward, …); all when absent. */
  verbs?: string[];
  /** Denied only in this namespace (and at the cluster scope, which includes it); everywhere when absent. */
  namespace?: string;
}

/** Pod ports that refuse connections through port-forward (the kubelet reports "connection refused"). */
export interface SimPortForwardScenario {
  /** `namespace/pod`: every port of these pods refuses. */
  refuse?: string[];
  /** Node names: every port of every pod on these nodes refuses. */
  refuseNodes?: string[];
}

/**
 * RBAC authorization: with it, a request is served only when a role bound to the user allows it
 * (see simRbac.ts). Without it every request is allowed (except `forbidden` ones).
 */
export interface SimRbacScenario {
  /** A YAML/JSON file of ClusterRole, Role, ClusterRoleBinding and RoleBinding objects (relative to the scenario file). */
  file?: string;
  /** The same objects inline. */
  objects?: unknown[];
  /** Rules granted to the user at every scope, without writing roles and bindings. */
  rules?: RbacPolicyRule[];
}

export interface SimScenario {
  /** The user the API server names in Forbidden messages and RBAC evaluates. */
  user?: string;
  /** The user's groups for RBAC; default `system:authenticated` (plus the service account groups for one). */
  groups?: string[];
  rbac?: SimRbacScenario;
  forbidden?: SimForbiddenRule[];
  crds?: CrdInstallation;
  portForward?: SimPortForwardScenario;
}

export const SIM_SCENARIO_FILE = 'sim-scenario.yaml';
export const DEFAULT_SIM_USER = 'system:serviceaccount:default:cni-lens';

export class SimScenarioError extends Error {}

/** Reads `DIR/sim-scenario.yaml`; undefined when the file does not exist. */
export async function loadSimScenario(dir: string): Promise<SimScenario | undefined> {
  const file = join(dir, SIM_SCENARIO_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  const scenario = parseSimScenario(text, file);
  // a relative rbac.file is relative to the scenario file
  if (scenario.rbac?.file && !isAbsolute(scenario.rbac.file)) scenario.rbac.file = resolve(dirname(file), scenario.rbac.file);
  return scenario;
}

/** Parses and checks a scenario document; throws `SimScenarioError` naming the file and the field. */
export function parseSimScenario(text: string, file = SIM_SCENARIO_FILE): SimScenario {
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    throw new SimScenarioError(`${file}: ${(err as Error).message}`);
  }
  const fail = (path: string, expected: string): never => {
    throw new SimScenarioError(`${file}: ${path} must be ${expected}`);
  };
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const strings = (v: unknown, path: string): string[] | undefined =>
    v === undefined ? undefined : Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : fail(path, 'a list of strings');
  const optString = (v: unknown, path: string): string | undefined =>
    v === undefined ? undefined : typeof v === 'string' ? v : fail(path, 'a string');
  const known = (obj: Record<string, unknown>, path: string, keys: string[]): void => {
    for (const key of Object.keys(obj)) if (!keys.includes(key)) fail(`${path}${key}`, `one of: ${keys.join(', ')} (unknown field)`);
  };

  if (!isRecord(doc)) return fail('the document', 'a mapping');
  known(doc, '', ['user', 'groups', 'rbac', 'forbidden', 'crds', 'portForward']);
  const scenario: SimScenario = {};
  const user = optString(doc.user, 'user');
  if (user !== undefined) scenario.user = user;
  const groups = strings(doc.groups, 'groups');
  if (groups) scenario.groups = groups;
  if (doc.rbac !== undefined) {
    if (!isRecord(doc.rbac)) fail('rbac', 'a mapping (file, objects, rules)');
    const rbac = doc.rbac as Record<string, unknown>;
    known(rbac, 'rbac.', ['file', 'objects', 'rules']);
    scenario.rbac = {};
    const rbacFile = optString(rbac.file, 'rbac.file');
    if (rbacFile !== undefined) scenario.rbac.file = rbacFile;
    if (rbac.objects !== undefined) scenario.rbac.objects = Array.isArray(rbac.objects) ? rbac.objects : fail('rbac.objects', 'a list of RBAC objects');
    if (rbac.rules !== undefined) scenario.rbac.rules = Array.isArray(rbac.rules) ? (rbac.rules as RbacPolicyRule[]) : fail('rbac.rules', 'a list of rules');
    try {
      SimRbac.compile(scenario.rbac, user ?? DEFAULT_SIM_USER, groups, 'rbac'); // checks every object and rule now
    } catch (err) {
      throw new SimScenarioError(`${file}: ${(err as Error).message}`);
    }
  }
  if (doc.forbidden !== undefined) {
    if (!Array.isArray(doc.forbidden)) fail('forbidden', 'a list');
    scenario.forbidden = (doc.forbidden as unknown[]).map((rule, i) => {
      const path = `forbidden[${i}]`;
      if (!isRecord(rule)) return fail(path, 'a mapping');
      known(rule, `${path}.`, ['group', 'resource', 'verbs', 'namespace']);
      const group = optString(rule.group, `${path}.group`) ?? fail(`${path}.group`, "a string ('' for core)");
      const resource = optString(rule.resource, `${path}.resource`) ?? fail(`${path}.resource`, 'a string');
      const verbs = strings(rule.verbs, `${path}.verbs`);
      const namespace = optString(rule.namespace, `${path}.namespace`);
      return { group, resource, ...(verbs ? { verbs } : {}), ...(namespace ? { namespace } : {}) };
    });
  }
  if (doc.crds !== undefined) {
    if (!isRecord(doc.crds)) fail('crds', 'a mapping');
    const crds = doc.crds as Record<string, unknown>;
    known(crds, 'crds.', ['installed', 'omit']);
    scenario.crds = {};
    const installed = strings(crds.installed, 'crds.installed');
    const omit = strings(crds.omit, 'crds.omit');
    if (installed) scenario.crds.installed = installed;
    if (omit) scenario.crds.omit = omit;
  }
  if (doc.portForward !== undefined) {
    if (!isRecord(doc.portForward)) fail('portForward', 'a mapping');
    const pf = doc.portForward as Record<string, unknown>;
    known(pf, 'portForward.', ['refuse', 'refuseNodes']);
    scenario.portForward = {};
    const refuse = strings(pf.refuse, 'portForward.refuse');
    refuse?.forEach((entry, i) => {
      if (!/^[^/\s]+\/[^/\s]+$/.test(entry)) fail(`portForward.refuse[${i}]`, `"namespace/pod", found "${entry}"`);
    });
    const refuseNodes = strings(pf.refuseNodes, 'portForward.refuseNodes');
    if (refuse) scenario.portForward.refuse = refuse;
    if (refuseNodes) scenario.portForward.refuseNodes = refuseNodes;
  }
  return scenario;
}
