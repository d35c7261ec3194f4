import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { collectSnapshot } from '../../core/sources/collectSnapshot';
import { loadKubeConfig } from '../../core/sources/kubeconfig';
import { UsageError, requireString, type CliCommand } from '../cliCommand';

export const collectCommand: CliCommand = {
  name: 'collect',
  summary: 'Write a snapshot directory from a live cluster (Kubernetes objects, EC2 describes, ipamd per node)',
  usage: [
    'Usage: cni-lens collect --kubeconfig FILE [--context NAME] --out DIR [--no-aws] [--no-ipamd]',
    '',
    'Writes the same snapshot format a user can build by hand with kubectl, the AWS CLI and curl',
    '(docs/snapshot-format.md), so `cni-lens summary --snapshot DIR` and "Open Snapshot" work offline.',
    'Read-only: lists, EC2 Describe calls, and GET /v1/enis through port-forward to each aws-node pod.',
    '',
    'Options:',
    '  --kubeconfig FILE   kubeconfig ("-" for KUBECONFIG or ~/.kube/config)',
    '  --context NAME      kubeconfig context (default: the current context)',
    '  --out DIR           directory to write; must be empty or not exist',
    '  --no-aws            skip EC2 (no aws/ files)',
    '  --no-ipamd          skip ipamd (no ipamd/ files)',
  ].join('\n'),
  options: {
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    out: { type: 'string' },
    'no-aws': { type: 'boolean' },
    'no-ipamd': { type: 'boolean' },
  },
  async run(values, _positionals, io, signal) {
    const kubeconfig = requireString(values, 'kubeconfig');
    const out = resolve(requireString(values, 'out'));
    if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`--out ${out} is not empty`);
    const kc = loadKubeConfig({ path: kubeconfig === '-' ? undefined : kubeconfig, context: typeof values.context === 'string' ? values.context : undefined });
    const result = await collectSnapshot(kc, out, {
      signal,
      aws: values['no-aws'] ? false : {},
      ipamd: !values['no-ipamd'],
      log: (line) => io.err(`${line}\n`),
    });
    for (const s of result.sources) if (s.state !== 'ok') io.err(`${s.name}: ${s.state}${s.detail ? `: ${s.detail}` : ''}\n`);
    io.out(`cni-lens collect: wrote ${result.files.length} files to ${out}\n`);
    return 0;
  },
};
