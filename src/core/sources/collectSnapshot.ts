import type { KubeConfig } from '@kubernetes/client-node';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceStatus } from '../model';
import { projectKubeObject } from '../project/projectKube';
import type { RawAws } from '../snapshot/rawSnapshot';
import { ClusterStore } from '../store/clusterStore';
import { fetchEc2 } from './ec2Source';
import type { AwsAccess } from './clusterSession';
import { readIpamd, ipamdTargets } from './ipamdSource';
import { specQuery } from './kubeInformer';
import { KubeApiError, kubeListAll } from './kubeRequest';
import { LIVE_RESOURCES } from './liveCluster';

export interface CollectOptions {
  signal?: AbortSignal;
  aws?: AwsAccess | false;
  ipamd?: boolean;
  pageSize?: number;
  log?: (line: string) => void;
}

export interface CollectResult {
  dir: string;
  files: string[];
  sources: SourceStatus[];
}

/** AWS CLI file names of each part of `RawAws`, and the top-level key the AWS CLI prints. */
const AWS_FILES: ReadonlyArray<readonly [keyof Omit<RawAws, 'files' | 'instances'>, string, string]> = [
  ['networkInterfaces', 'describe-network-interfaces.json', 'NetworkInterfaces'],
  ['subnets', 'describe-subnets.json', 'Subnets'],
  ['routeTables', 'describe-route-tables.json', 'RouteTables'],
  ['natGateways', 'describe-nat-gateways.json', 'NatGateways'],
  ['vpcs', 'describe-vpcs.json', 'Vpcs'],
  ['securityGroups', 'describe-security-groups.json', 'SecurityGroups'],
];

/**
 * Writes a snapshot directory from a live cluster, in the format a user can build by hand
 * (docs/snapshot-format.md): `kubectl get -o json` lists, AWS CLI describe JSON, ipamd bodies.
 * Read-only: list requests, EC2 Describe calls and port-forward GETs to ipamd.
 */
export async function collectSnapshot(kc: KubeConfig, dir: string, opts: CollectOptions = {}): Promise<CollectResult> {
  const log = opts.log ?? (() => undefined);
  const files: string[] = [];
  const sources: SourceStatus[] = [];
  const write = async (relative: string, body: unknown) => {
    const path = join(dir, relative);
    await mkdir(join(path, '..'), { recursive: true });
    const tmp = `${path}.tmp`;
    await writeFile(tmp, JSON.stringify(body, null, 1) + '\n');
    await rename(tmp, path);
    files.push(relative);
  };

  // Kubernetes: every resource the tool reads, as `kubectl get -A -o json` prints it
  const store = new ClusterStore();
  for (const spec of LIVE_RESOURCES) {
    try {
      const { items } = await kubeListAll(kc, spec.path, { pageSize: opts.pageSize, signal: opts.signal, query: specQuery(spec) });
      for (const item of items) {
        const p = projectKubeObject(item, { source: 'kubernetes-api' });
        if (p) store.upsert(p.kind, p.value as never);
      }
      await write(`kubernetes/${spec.id.replaceAll('/', '-')}.json`, { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } });
      log(`kubernetes ${spec.id}: ${items.length} objects`);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const status = err instanceof KubeApiError ? err.status : undefined;
      const state: SourceStatus['state'] = status === 403 ? 'forbidden' : status === 404 ? 'missing' : 'error';
      sources.push({ name: `kubernetes ${spec.id}`, state, detail: (err as Error).message });
      log(`kubernetes ${spec.id}: ${state}: ${(err as Error).message}`);
    }
  }
  sources.unshift({ name: 'kubernetes', state: 'ok', detail: `${files.length} resources written` });

  if (opts.aws !== false) {
    const instanceIds = [...store.list('node')].map((n) => n.instanceId).filter((id): id is string => !!id);
    const region = opts.aws?.region ?? [...store.list('node')].find((n) => n.region)?.region ?? '';
    const result = await fetchEc2({ region, endpoint: opts.aws?.endpoint, profile: opts.aws?.profile, credentials: opts.aws?.credentials, instanceIds, signal: opts.signal });
    if (result.ok) {
      for (const [key, file, top] of AWS_FILES) await write(`aws/${file}`, { [top]: result.data[key] });
      await write('aws/describe-instances.json', { Reservations: [{ Instances: result.data.instances }] });
      sources.push({ name: 'ec2', state: 'ok', detail: `${result.data.networkInterfaces.length} ENIs in ${result.data.region}` });
    } else {
      sources.push({ name: 'ec2', state: result.error.kind === 'no-credentials' ? 'not-configured' : 'error', detail: result.error.message });
    }
    log(`ec2: ${sources[sources.length - 1]?.detail ?? ''}`);
  }

  if (opts.ipamd !== false) {
    const { results } = await readIpamd(kc, ipamdTargets(store), { signal: opts.signal });
    let ok = 0;
    for (const r of results) {
      if (!r.ok) {
        log(`ipamd ${r.nodeName}: ${r.error.message}`);
        continue;
      }
      ok++;
      await write(`ipamd/${r.nodeName}.json`, r.enis);
    }
    sources.push({ name: 'ipamd', state: ok > 0 || results.length === 0 ? 'ok' : 'error', detail: `/v1/enis of ${ok} of ${results.length} nodes` });
    log(`ipamd: ${ok} of ${results.length} nodes`);
  }
  return { dir, files, sources };
}
