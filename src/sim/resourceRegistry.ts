import { BUILT_IN_RESOURCES, CRD_RESOURCES, type ResourceDef } from './knownResources';

/** A resource as the simulated API serves it. */
export interface SimResource extends ResourceDef {
  /** Comes from a CRD: served only while installed. */
  crd: boolean;
  /** Not in the catalogue: made up for a kind found in the snapshot. */
  generic: boolean;
  /** `v1` or `apps/v1`: the objects' `apiVersion`. */
  groupVersion: string;
  listKind: string;
  /** `pods`, `ciliumendpoints.cilium.io`: how the API server names it in messages. */
  qualifiedName: string;
  verbs: string[];
}

/**
 * Which CRDs count as installed. Entries are API groups (`cilium.io`) or single resources
 * (`ciliumendpoints.cilium.io`).
 */
export interface CrdInstallation {
  /** Installed even without objects. */
  installed?: string[];
  /** Not installed even when the snapshot has objects of it. */
  omit?: string[];
}

const READ_VERBS = ['get', 'list', 'watch'];

/**
 * The resources the simulated cluster knows and which of them it serves. A CRD group counts as
 * installed once an object of it was stored (or the scenario says so), unless the scenario omits it.
 */
export class ResourceRegistry {
  private readonly all: SimResource[] = [];
  private readonly byResource = new Map<string, SimResource>();
  private readonly byKind = new Map<string, SimResource>();
  private readonly knownGroupVersions = new Set<string>();
  private readonly installedGroups = new Set<string>();

  constructor(private readonly crds: CrdInstallation = {}) {
    for (const def of BUILT_IN_RESOURCES) this.add(def, false, false);
    for (const def of CRD_RESOURCES) this.add(def, true, false);
  }

  /** Built-ins always; CRDs once installed and not omitted. */
  isServed(resource: SimResource): boolean {
    if (!resource.crd) return true;
    const matches = (entry: string): boolean => entry === resource.group || entry === resource.qualifiedName;
    if (this.crds.omit?.some(matches)) return false;
    return this.installedGroups.has(resource.group) || (this.crds.installed?.some(matches) ?? false);
  }

  /** Served resources, in catalogue order. */
  served(): SimResource[] {
    return this.all.filter((r) => this.isServed(r));
  }

  /** The resource at `/api(s)/<groupVersion>/<resource>`, served or not. */
  find(groupVersion: string, resource: string): SimResource | undefined {
    return this.byResource.get(`${groupVersion}/${resource}`);
  }

  /** The resource of `apiVersion`/`kind`, if known (adds nothing). */
  findKind(apiVersion: string, kind: string): SimResource | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /**
   * The resource an object of `apiVersion`/`kind` belongs to. A kind missing from the catalogue is
   * added generically when its group/version is a known one; otherwise the answer is undefined.
   */
  forObject(apiVersion: string, kind: string, namespaced: boolean): SimResource | undefined {
    const known = this.byKind.get(`${apiVersion}/${kind}`);
    if (known || !this.knownGroupVersions.has(apiVersion)) return known;
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    const isCrd = this.all.some((r) => r.crd && r.group === group);
    return this.add({ group, version, resource: guessResource(kind), singular: kind.toLowerCase(), kind, namespaced }, isCrd, true);
  }

  /** Finds a resource by plural, `plural.group`, kind (any case) or short name. */
  lookup(name: string): SimResource | undefined {
    const lower = name.toLowerCase();
    return (
      this.all.find((r) => r.qualifiedName === lower) ??
      this.all.find((r) => r.resource === lower) ??
      this.all.find((r) => r.kind.toLowerCase() === lower) ??
      this.all.find((r) => r.shortNames?.includes(lower))
    );
  }

  /** Marks the CRD group of `resource` installed (no effect on built-ins). */
  markInstalled(resource: SimResource): void {
    if (resource.crd) this.installedGroups.add(resource.group);
  }

  private add(def: ResourceDef, crd: boolean, generic: boolean): SimResource {
    const groupVersion = def.group ? `${def.group}/${def.version}` : def.version;
    const resource: SimResource = {
      ...def,
      crd,
      generic,
      groupVersion,
      listKind: `${def.kind}List`,
      qualifiedName: def.group ? `${def.resource}.${def.group}` : def.resource,
      verbs: READ_VERBS,
    };
    this.all.push(resource);
    this.byResource.set(`${groupVersion}/${def.resource}`, resource);
    this.byKind.set(`${groupVersion}/${def.kind}`, resource);
    this.knownGroupVersions.add(groupVersion);
    return resource;
  }
}

/** The plural the API machinery guesses for a kind (`UnsafeGuessKindToResource`). */
function guessResource(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('s')) return `${lower}es`;
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}
