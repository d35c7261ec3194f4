import { formatClusterSummary, summarizeCluster, type ClusterSummary } from '../../core/analysis/clusterSummary';
import { loadKubeConfig } from '../../core/sources/kubeconfig';
import { openLiveStore } from '../../core/sources/liveStore';
import { loadSnapshotStore } from '../../core/sources/snapshotStore';
import { UsageError, optionalInt, type CliCommand } from '../cliCommand';

export const summaryCommand: CliCommand = {
  name: 'summary',
  summary: 'Counts, detected mode and sources of a cluster or a snapshot',
  usage: [
    'Usage: cni-lens summary (--snapshot DIR | --kubeconfig FILE [--context NAME]) [--json]',
    '',
    'Loads the store from a snapshot directory (or one YAML file of Kubernetes objects), or from a',
    'live cluster through list and watch, and prints counts (nodes, ENIs, pod IPs, Cilium endpoints,',
    'pods not managed by Cilium, policies), the detected mode and the sources used.',
    'EC2 is read with the AWS SDK\'s default credential chain (AWS_PROFILE, AWS_ENDPOINT_URL_EC2...).',
    '',
    'Options:',
    '  --snapshot DIR       snapshot directory or manifest file',
    '  --kubeconfig FILE    kubeconfig of a live cluster (use "-" for KUBECONFIG or ~/.kube/config)',
    '  --context NAME       kubeconfig context (default: the current context)',
    '  --timeout SECONDS    how long to wait for the first full list (default 60)',
    '  --no-aws             do not call EC2',
    '  --json               print JSON',
  ].join('\n'),
  options: {
    snapshot: { type: 'string' },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    timeout: { type: 'string' },
    'no-aws': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, _positionals, io, signal) {
    const snapshot = typeof values.snapshot === 'string' ? values.snapshot : undefined;
    const kubeconfig = typeof values.kubeconfig === 'string' ? values.kubeconfig : undefined;
    if ((snapshot === undefined) === (kubeconfig === undefined)) throw new UsageError('give exactly one of --snapshot DIR or --kubeconfig FILE');
    if (values.context !== undefined && kubeconfig === undefined) throw new UsageError('--context needs --kubeconfig');
    const timeout = optionalInt(values, 'timeout', 1, 3600);

    let summary: ClusterSummary;
    const started = performance.now();
    if (snapshot !== undefined) {
      const loaded = await loadSnapshotStore(snapshot, { signal });
      for (const p of loaded.problems) io.err(`${p.severity}: ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
      summary = summarizeCluster(loaded.store, loaded.sources);
    } else {
      const kc = loadKubeConfig({ path: kubeconfig === '-' ? undefined : kubeconfig, context: typeof values.context === 'string' ? values.context : undefined });
      const live = await openLiveStore(kc, { signal, syncTimeoutMs: (timeout ?? 60) * 1000, aws: values['no-aws'] ? false : {} });
      try {
        summary = summarizeCluster(live.store, live.sources);
      } finally {
        await live.live.stop();
      }
    }
    const elapsedMs = Math.round(performance.now() - started);
    if (values.json) io.out(JSON.stringify({ ...summary, elapsedMs }, null, 2) + '\n');
    else io.out(formatClusterSummary(summary) + `\nLoaded in ${elapsedMs} ms.\n`);
    return 0;
  },
};
