import type { EniInfo, SourceStatus } from '../model';
import { projectRawAws, type AwsFacts } from '../project/projectEc2';
import { projectIpamdEnis } from '../project/projectIpamd';
import { projectKubeObject } from '../project/projectKube';
import { loadSnapshot } from '../snapshot/loadSnapshot';
import type { RawSnapshot, SnapshotProblem } from '../snapshot/rawSnapshot';
import { ClusterStore } from '../store/clusterStore';
import { applyAwsFacts } from './applyAwsFacts';

export interface SnapshotStore {
  store: ClusterStore;
  raw: RawSnapshot;
  /** Problems of the files, then of the objects in them. */
  problems: SnapshotProblem[];
  sources: SourceStatus[];
}

/** Loads a snapshot directory (or one manifest file) into a new store. */
export async function loadSnapshotStore(path: string, opts: { signal?: AbortSignal } = {}): Promise<SnapshotStore> {
  const raw = await loadSnapshot(path, opts);
  return storeFromRawSnapshot(raw);
}

export function storeFromRawSnapshot(raw: RawSnapshot, store = new ClusterStore()): SnapshotStore {
  const problems: SnapshotProblem[] = [...raw.problems];
  let projected = 0;
  store.batch(() => {
    for (const entry of raw.kubernetes) {
      const p = projectKubeObject(entry.object, { source: 'snapshot', file: entry.origin.file, ...(entry.origin.line ? { line: entry.origin.line } : {}) });
      if (!p) continue;
      projected++;
      store.upsert(p.kind, p.value as never);
    }
  });

  let aws: AwsFacts | undefined;
  if (raw.aws.files.length > 0) {
    aws = projectRawAws(raw.aws, { source: 'snapshot', file: raw.aws.files.join(', ') });
    for (const message of aws.problems) problems.push({ severity: 'warning', file: 'aws', message });
  }
  const ipamdEnis: EniInfo[] = [];
  for (const node of raw.ipamd) {
    const result = projectIpamdEnis(node.enis, node.nodeName, { source: 'ipamd', file: node.origin.file });
    ipamdEnis.push(...result.enis);
    for (const message of result.problems) problems.push({ severity: 'warning', file: node.origin.file, message });
  }
  applyAwsFacts(store, aws, ipamdEnis);

  const sources: SourceStatus[] = [
    { name: 'kubernetes', state: raw.kubernetes.length > 0 ? 'ok' : 'missing', detail: `${projected} objects used of ${raw.kubernetes.length} read` },
    aws
      ? { name: 'ec2', state: 'ok', detail: `${aws.networkInterfaces.length} ENIs, ${aws.subnets.length} subnets from ${raw.aws.files.join(', ')}` }
      : { name: 'ec2', state: 'missing', detail: 'no aws/describe-*.json in the snapshot' },
    raw.ipamd.length > 0
      ? { name: 'ipamd', state: 'ok', detail: `/v1/enis of ${raw.ipamd.length} nodes` }
      : { name: 'ipamd', state: 'missing', detail: 'no ipamd/<node>.json in the snapshot' },
    raw.hubble.length > 0
      ? { name: 'hubble', state: 'ok', detail: `${raw.hubble.length} flow lines` }
      : { name: 'hubble', state: 'missing', detail: 'no hubble/*.jsonl in the snapshot' },
  ];
  return { store, raw, problems, sources };
}
