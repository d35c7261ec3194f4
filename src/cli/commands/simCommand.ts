import { writeFile, rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadSnapshot } from '../../core/snapshot/loadSnapshot';
import { startSimCluster } from '../../sim/startSimCluster';
import { startSimEc2 } from '../../sim/ec2Server';
import { optionalInt, requireString, type CliCommand } from '../cliCommand';

export const simCommand: CliCommand = {
  name: 'sim',
  summary: 'Serve a snapshot directory as a simulated EKS cluster (Kubernetes API over HTTPS, EC2 API)',
  usage: [
    'Usage: cni-lens sim --snapshot DIR --kubeconfig OUT [--port N] [--ec2-port N] [--host 127.0.0.1] [--churn N]',
    '',
    'Serves the snapshot over the real wire protocols until stopped (Ctrl-C):',
    '  - the Kubernetes API (HTTPS, bearer token, self-signed CA) for kubectl and client libraries;',
    '  - the EC2 Query API (HTTP) from the snapshot\'s aws/ files, for the AWS SDK and CLI.',
    'When ready it writes a kubeconfig to OUT and prints one line with both endpoints.',
    'Point the AWS SDK at the EC2 endpoint with AWS_ENDPOINT_URL_EC2 (any credentials are accepted).',
    '',
    'Options:',
    '  --snapshot DIR     snapshot directory or a YAML file of Kubernetes objects (required)',
    '  --kubeconfig OUT   where to write the kubeconfig (required)',
    '  --port N           Kubernetes API port (default: any free port)',
    '  --ec2-port N       EC2 API port (default: any free port)',
    '  --host ADDR        address to listen on (default 127.0.0.1)',
    '  --live-flows       Hubble Relay keeps producing flows (the snapshot\'s, with fresh times; some drops)',
    '  --hubble-tls       Hubble Relay speaks TLS (Service port 443, certificate for *.hubble-relay.cilium.io);',
    '                     its CA is written next to the kubeconfig as hubble-relay-ca.crt',
    '  --hubble-mtls      as --hubble-tls, and Relay requires a client certificate: hubble-client.crt and',
    '                     hubble-client.key are written next to the kubeconfig',
    '  --gzip             gzip list answers over 128 KiB for clients that accept it, as kube-apiserver does',
    '  --churn N          replace N pods a second (delete one, create one of the same workload on its node and IP);',
    '                     change it later with POST /_sim/v1/churn {"podsPerSecond": N}',
  ].join('\n'),
  options: {
    snapshot: { type: 'string' },
    kubeconfig: { type: 'string' },
    port: { type: 'string' },
    'ec2-port': { type: 'string' },
    host: { type: 'string' },
    'live-flows': { type: 'boolean' },
    'hubble-tls': { type: 'boolean' },
    'hubble-mtls': { type: 'boolean' },
    churn: { type: 'string' },
    gzip: { type: 'boolean' },
  },
  async run(values, _positionals, io, signal) {
    const snapshotPath = requireString(values, 'snapshot');
    const kubeconfigPath = resolve(requireString(values, 'kubeconfig'));
    const port = optionalInt(values, 'port', 0, 65535);
    const ec2Port = optionalInt(values, 'ec2-port', 0, 65535);
    const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
    const churn = optionalInt(values, 'churn', 0, 100_000);

    const snapshot = await loadSnapshot(snapshotPath, { signal });
    for (const p of snapshot.problems) {
      io.err(`${p.severity}: ${p.file}${p.line ? `:${p.line}` : ''}${p.column ? `:${p.column}` : ''}: ${p.message}\n`);
    }
    const hubbleTls = values['hubble-mtls'] ? { mtls: true } : values['hubble-tls'] ? true : undefined;
    const hubble = values['live-flows'] || hubbleTls ? { ...(values['live-flows'] ? { live: true } : {}), ...(hubbleTls ? { tls: hubbleTls } : {}) } : undefined;
    const cluster = await startSimCluster({ snapshot, host, port, adoptSnapshot: true, ...(values.gzip ? { gzip: true } : {}), ...(hubble ? { hubble } : {}) });
    const ec2 = await startSimEc2({ aws: snapshot.aws, host, port: ec2Port });
    if (churn) cluster.churn.setRate(churn);
    const tmp = `${kubeconfigPath}.tmp-${process.pid}`;
    await writeFile(tmp, cluster.kubeconfig(), { mode: 0o600 });
    await rename(tmp, kubeconfigPath);
    if (cluster.hubbleTls) {
      const dir = dirname(kubeconfigPath);
      const files: string[] = [];
      const write = async (name: string, text: string): Promise<void> => {
        await writeFile(join(dir, name), text, { mode: 0o600 });
        files.push(join(dir, name));
      };
      await write('hubble-relay-ca.crt', cluster.hubbleTls.caPem);
      if (cluster.hubbleTls.client) {
        await write('hubble-client.crt', cluster.hubbleTls.client.certPem);
        await write('hubble-client.key', cluster.hubbleTls.client.keyPem);
      }
      io.out(`cni-lens sim: Hubble Relay speaks ${cluster.hubbleTls.client ? 'mTLS' : 'TLS'} (Service kube-system/hubble-relay port 443, certificate for ${cluster.hubbleTls.dnsNames.join(', ')}); wrote ${files.join(', ')}\n`);
    } else if (hubbleTls) {
      io.err('cni-lens sim: --hubble-tls: the snapshot has no Hubble Relay (no hubble/*.jsonl and no Relay pod)\n');
    }
    io.out(`cni-lens sim: ready, Kubernetes API ${cluster.url} (kubeconfig ${kubeconfigPath}), EC2 API ${ec2.endpoint}, serving ${snapshot.kubernetes.length} objects from ${snapshot.root}\n`);

    await new Promise<void>((done) => {
      if (signal.aborted) done();
      else signal.addEventListener('abort', () => done(), { once: true });
    });
    await Promise.all([cluster.close(), ec2.close()]);
    return 0;
  },
};
