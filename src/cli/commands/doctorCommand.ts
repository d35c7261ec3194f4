import { formatDoctorReport } from '../../core/analysis/doctor/format';
import { runDoctor } from '../../core/analysis/doctor/runDoctor';
import type { DoctorReport } from '../../core/analysis/doctor/types';
import type { CliCommand } from '../cliCommand';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, withClusterInput } from '../clusterInput';

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
    ...CLUSTER_USAGE,
    '  --all                also print the checks that passed',
    '  --json               print the report as JSON',
    '',
    'Exit status: 1 when any finding is an error (or the input cannot be loaded), 0 otherwise,',
    '2 on bad arguments.',
  ].join('\n'),
  options: {
    ...CLUSTER_OPTIONS,
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, _positionals, io, signal) {
    const report: DoctorReport = await withClusterInput(values, io, signal, ({ store, sources }) => runDoctor(store, { sources }));
    if (values.json) io.out(JSON.stringify(report, null, 2) + '\n');
    else io.out(formatDoctorReport(report, { all: values.all === true }));
    return report.counts.error > 0 ? 1 : 0;
  },
};
