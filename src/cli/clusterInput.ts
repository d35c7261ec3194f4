import type { KubeConfig } from '@kubernetes/client-node';
import type { SourceStatus } from '../core/model';
import type { RawHubbleLine } from '../core/snapshot/rawSnapshot';
import { loadKubeConfig } from '../core/sources/kubeconfig';
import { openLiveStore } from '../core/sources/liveStore';
import { IPAMD_ALL_UP_TO, type IpamdMode, type IpamdReader } from '../core/sources/ipamdOnDemand';
import { loadSnapshotStore } from '../core/sources/snapshotStore';
import type { ClusterStore } from '../core/store/clusterStore';
import { UsageError, optionalInt, type CliIo, type CliOptions } from './cliCommand';

/** The options every command that reads a cluster or a snapshot takes. */
export const CLUSTER_OPTIONS: CliOptions = {
  snapshot: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  timeout: { type: 'string' },
  'no-aws': { type: 'boolean' },
  ipamd: { type: 'string' },
  'ipamd-all-up-to': { type: 'string' },
};

export const CLUSTER_USAGE: readonly string[] = [
  '  --snapshot DIR       snapshot directory or manifest file',
  '  --kubeconfig FILE    kubeconfig of a live cluster (use "-" for KUBECONFIG or ~/.kube/config)',
  '  --context NAME       kubeconfig context (default: the current context)',
  '  --timeout SECONDS    how long to wait for the first full list (default 60)',
  '  --no-aws             do not call EC2 (ENIs, subnets and route tables then come from ipamd or are unknown)',
  `  --ipamd MODE         ipamd /v1/enis through port-forward to aws-node: auto (default) reads every node at`,
  `                       connect up to --ipamd-all-up-to nodes and only the nodes a command needs above;`,
  '                       all reads every node; none reads none',
  `  --ipamd-all-up-to N  largest cluster whose ipamd auto reads whole at connect (default ${IPAMD_ALL_UP_TO})`,
];

export interface ClusterInput {
  store: ClusterStore;
  sources: SourceStatus[];
  /** `snapshot DIR` or `context NAME`. */
  label: string;
  /** The snapshot's root, for finding rule lines in its files. */
  snapshotRoot?: string;
  /** The snapshot's `hubble/*.jsonl` lines. */
  hubbleLines?: RawHubbleLine[];
  /** The live cluster's kubeconfig (for port-forwards, e.g. to Hubble Relay). */
  kubeConfig?: KubeConfig;
  /** ipamd of the live cluster node by node (a command reads the nodes it needs that were not read at connect). */
  ipamd?: IpamdReader;
}

type Values = Record<string, string | boolean | string[] | undefined>;

/** Checks the cluster options; throws a UsageError naming what is wrong. */
export function checkClusterArgs(values: Values): void {
  const hasSnapshot = typeof values.snapshot === 'string';
  const hasKubeconfig = typeof values.kubeconfig === 'string';
  if (hasSnapshot === hasKubeconfig) throw new UsageError('give exactly one of --snapshot DIR or --kubeconfig FILE');
  if (values.context !== undefined && !hasKubeconfig) throw new UsageError('--context needs --kubeconfig');
  optionalInt(values, 'timeout', 1, 3600);
  ipamdModeArg(values);
  optionalInt(values, 'ipamd-all-up-to', 0, 1_000_000);
  if ((values.ipamd !== undefined || values['ipamd-all-up-to'] !== undefined) && !hasKubeconfig) throw new UsageError('--ipamd and --ipamd-all-up-to need a live cluster (--kubeconfig)');
}

function ipamdModeArg(values: Values): IpamdMode | undefined {
  const v = values.ipamd;
  if (v === undefined) return undefined;
  if (v !== 'all' && v !== 'auto' && v !== 'none') throw new UsageError(`--ipamd must be all, auto or none, got "${String(v)}"`);
  return v;
}

/**
 * Loads the store from `--snapshot` (problems of its files go to stderr) or from a live cluster
 * through list and watch (sources that are not fine go to stderr), runs `use`, then stops watching.
 */
export async function withClusterInput<T>(values: Values, io: CliIo, signal: AbortSignal, use: (input: ClusterInput) => T | Promise<T>): Promise<T> {
  checkClusterArgs(values);
  if (typeof values.snapshot === 'string') {
    const loaded = await loadSnapshotStore(values.snapshot, { signal });
    for (const p of loaded.problems) io.err(`${p.severity}: ${p.file}${p.line ? `:${p.line}` : ''}${p.column ? `:${p.column}` : ''}: ${p.message}\n`);
    return use({ store: loaded.store, sources: loaded.sources, label: `snapshot ${values.snapshot}`, snapshotRoot: loaded.raw.root, hubbleLines: loaded.raw.hubble });
  }
  const kubeconfig = values.kubeconfig as string;
  const kc = loadKubeConfig({ path: kubeconfig === '-' ? undefined : kubeconfig, context: typeof values.context === 'string' ? values.context : undefined });
  const timeout = optionalInt(values, 'timeout', 1, 3600) ?? 60;
  const ipamd = ipamdModeArg(values);
  const allUpTo = optionalInt(values, 'ipamd-all-up-to', 0, 1_000_000);
  const live = await openLiveStore(kc, {
    signal,
    syncTimeoutMs: timeout * 1000,
    aws: values['no-aws'] ? false : {},
    failWhenNothingListed: true,
    ...(ipamd ? { ipamd } : {}),
    ...(allUpTo !== undefined ? { ipamdAllUpTo: allUpTo } : {}),
  });
  try {
    for (const s of live.sources) if (s.state !== 'ok') io.err(`${s.name}: ${s.state}${s.detail ? ` (${s.detail})` : ''}\n`);
    if (live.ipamdReader?.mode === 'on-demand') io.err(`ipamd: ${live.store.count('node')} nodes, more than --ipamd-all-up-to ${allUpTo ?? IPAMD_ALL_UP_TO}: read per node when a command needs it (--ipamd all reads every node)\n`);
    return await use({ store: live.store, sources: live.sources, label: `context ${kc.getCurrentContext()}`, kubeConfig: kc, ...(live.ipamdReader ? { ipamd: live.ipamdReader } : {}) });
  } finally {
    await live.live.stop();
  }
}
