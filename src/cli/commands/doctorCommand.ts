import { formatDoctorReport } from '../../core/analysis/doctor/format';
import { runDoctor } from '../../core/analysis/doctor/runDoctor';
import type { DoctorReport } from '../../core/analysis/doctor/types';
import { loadKubeConfig } from '../../core/sources/kubeconfig';
import { openLiveStore } from '../../core/sources/liveStore';
import { loadSnapshotStore } from '../../core/sources/snapshotStore';
import { UsageError, optionalInt, type CliCommand } from '../cliCommand';

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check the aws-cni chaining configuration, unmanaged pods, IP collisions and capacity',
  usage: [
    'Usage: cni-lens doctor (--snapshot DIR | --kubeconfig FILE [--context NAME]) [--json] [--all]',
    '',
    'Loads the store from a snapshot directory (or one YAML file of Kubernetes objects), or from a',
    'live cluster through list and watch, and runs the checks: the Cilium settings aws-cni chaining',
    'needs (cni-chaining-mode, cni-exclusive, masquerade, routing mode, endpoint routes, legacy host',
    'routing, kube-proxy replacement, encryption, L7 policy), the VPC CNI (version >= 1.11.2, SNAT,',
    'custom networking, prefix delegation, security groups for pods), two policy engines, pods not',
    'managed by Cilium, IP collisions (pods, cilium_host, ENIs), node capacity and missing sources.',
    'Each finding names what was found, where each fact came from, and the fix.',
    'Read-only: nothing is written to the cluster.',
    '',
    'Output: one block per finding, errors (✖) first, then warnings (⚠) and info (ℹ); the checks that',
    'passed (✔) only with --all. --json prints the report: { mode, counts, findings: [{ id, severity,',
    'title, detail, fix, evidence: [{ fact, value, origin }], objects?, docs? }] }.',
    '',
    'Options:',
    '  --snapshot DIR       snapshot directory or manifest file',
    '  --kubeconfig FILE    kubeconfig of a live cluster (use "-" for KUBECONFIG or ~/.kube/config)',
    '  --context NAME       kubeconfig context (default: the current context)',
    '  --timeout SECONDS    how long to wait for the first full list (default 60)',
    '  --no-aws             do not call EC2',
    '  --all                also print the checks that passed',
    '  --json               print the report as JSON',
    '',
    'Exit status: 1 when any finding is an error (or the input cannot be loaded), 0 otherwise,',
    '2 on bad arguments.',
  ].join('\n'),
  options: {
    snapshot: { type: 'string' },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    timeout: { type: 'string' },
    'no-aws': { type: 'boolean' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, _positionals, io, signal) {
    const snapshot = typeof values.snapshot === 'string' ? values.snapshot : undefined;
    const kubeconfig = typeof values.kubeconfig === 'string' ? values.kubeconfig : undefined;
    if ((snapshot === undefined) === (kubeconfig === undefined)) throw new UsageError('give exactly one of --snapshot DIR or --kubeconfig FILE');
    if (values.context !== undefined && kubeconfig === undefined) throw new UsageError('--context needs --kubeconfig');
    const timeout = optionalInt(values, 'timeout', 1, 3600);

    let report: DoctorReport;
    if (snapshot !== undefined) {
      const loaded = await loadSnapshotStore(snapshot, { signal });
      for (const p of loaded.problems) io.err(`${p.severity}: ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
      report = runDoctor(loaded.store, { sources: loaded.sources });
    } else {
      const kc = loadKubeConfig({ path: kubeconfig === '-' ? undefined : kubeconfig, context: typeof values.context === 'string' ? values.context : undefined });
      const live = await openLiveStore(kc, { signal, syncTimeoutMs: (timeout ?? 60) * 1000, aws: values['no-aws'] ? false : {} });
      try {
        report = runDoctor(live.store, { sources: live.sources });
      } finally {
        await live.live.stop();
      }
    }
    if (values.json) io.out(JSON.stringify(report, null, 2) + '\n');
    else io.out(formatDoctorReport(report, { all: values.all === true }));
    return report.counts.error > 0 ? 1 : 0;
  },
};
