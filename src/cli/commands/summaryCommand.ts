import { formatClusterSummary, summarizeCluster, type ClusterSummary } from '../../core/analysis/clusterSummary';
import type { CliCommand } from '../cliCommand';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, withClusterInput } from '../clusterInput';

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
    ...CLUSTER_USAGE,
    '  --json               print JSON',
  ].join('\n'),
  options: {
    ...CLUSTER_OPTIONS,
    json: { type: 'boolean' },
  },
  async run(values, _positionals, io, signal) {
    const started = performance.now();
    const summary: ClusterSummary = await withClusterInput(values, io, signal, ({ store, sources }) => summarizeCluster(store, sources));
    const elapsedMs = Math.round(performance.now() - started);
    if (values.json) io.out(JSON.stringify({ ...summary, elapsedMs }, null, 2) + '\n');
    else io.out(formatClusterSummary(summary) + `\nLoaded in ${elapsedMs} ms.\n`);
    return 0;
  },
};
