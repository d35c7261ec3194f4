/**
 * API discovery: aggregated (`apidiscovery.k8s.io/v2`) on `/api` and `/apis` when the Accept asks
 * for it, legacy `APIVersions`/`APIGroupList`/`APIGroup` otherwise, and the per-version
 * `APIResourceList`s. Built from the resources served at the time of the request.
 */
import { acceptedAs } from './httpAccept';
import type { ResourceRegistry, SimResource } from './resourceRegistry';

export interface DiscoveryResponse {
  contentType: string;
  body: unknown;
}

interface GroupVersions {
  group: string;
  /** Preferred first. */
  versions: Map<string, SimResource[]>;
}

/** The discovery document at `path`, or undefined when `path` is not a served discovery path. */
export function discoveryResponse(registry: ResourceRegistry, path: string, accept: string | undefined, serverAddress: string): DiscoveryResponse | undefined {
  const groups = servedGroups(registry);
  const json = (body: unknown): DiscoveryResponse => ({ contentType: 'application/json', body });
  const segments = path.split('/').filter(Boolean);

  if (path === '/api' || path === '/apis') {
    const wanted = path === '/api' ? groups.filter((g) => g.group === '') : groups.filter((g) => g.group !== '');
    const aggregated = acceptedAs(accept, 'APIGroupDiscoveryList', 'apidiscovery.k8s.io', ['v2', 'v2beta1']);
    if (aggregated) {
      return {
        contentType: `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`,
        body: { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${aggregated}`, metadata: {}, items: wanted.map(aggregatedGroup) },
      };
    }
    if (path === '/api') {
      return json({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] });
    }
    return json({ kind: 'APIGroupList', apiVersion: 'v1', groups: wanted.map(legacyGroup) });
  }
  if (segments[0] === 'apis' && segments.length === 2) {
    const g = groups.find((x) => x.group === segments[1]);
    return g ? json({ kind: 'APIGroup', apiVersion: 'v1', ...legacyGroup(g) }) : undefined;
  }
  const [group, version] = segments[0] === 'api' && segments.length === 2 ? ['', segments[1]!] : segments[0] === 'apis' && segments.length === 3 ? [segments[1]!, segments[2]!] : [];
  if (version === undefined) return undefined;
  const resources = groups.find((x) => x.group === group)?.versions.get(version);
  if (!resources) return undefined;
  return json({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: resources[0]!.groupVersion, resources: resources.flatMap(legacyResources) });
}

function servedGroups(registry: ResourceRegistry): GroupVersions[] {
  const groups = new Map<string, GroupVersions>();
  for (const r of registry.served()) {
    let g = groups.get(r.group);
    if (!g) groups.set(r.group, (g = { group: r.group, versions: new Map() }));
    let list = g.versions.get(r.version);
    if (!list) g.versions.set(r.version, (list = []));
    list.push(r);
  }
  return [...groups.values()];
}

function legacyGroup(g: GroupVersions): Record<string, unknown> {
  const versions = [...g.versions.keys()].map((version) => ({ groupVersion: `${g.group}/${version}`, version }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

function legacyResources(r: SimResource): unknown[] {
  const main = {
    name: r.resource,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
    ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories?.length ? { categories: r.categories } : {}),
  };
  const subs = (r.subresources ?? []).map((s) => ({
    name: `${r.resource}/${s.name}`,
    singularName: '',
    namespaced: r.namespaced,
    kind: s.kind,
    verbs: s.verbs,
  }));
  return [main, ...subs];
}

function aggregatedGroup(g: GroupVersions): unknown {
  return {
    metadata: g.group ? { name: g.group, creationTimestamp: null } : { creationTimestamp: null },
    versions: [...g.versions.entries()].map(([version, resources]) => ({
      version,
      resources: resources.map((r) => ({
        resource: r.resource,
        responseKind: { group: r.group, version: r.version, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: r.singular,
        verbs: r.verbs,
        ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories?.length ? { categories: r.categories } : {}),
        ...(r.subresources?.length
          ? {
              subresources: r.subresources.map((s) => ({
                subresource: s.name,
                responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
                verbs: s.verbs,
              })),
            }
          : {}),
      })),
      freshness: 'Current',
    })),
  };
}
