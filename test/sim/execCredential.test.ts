import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadKubeConfig } from '../../src/core/sources/kubeconfig';
import { openLiveStore } from '../../src/core/sources/liveStore';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import type { RawSnapshot } from '../../src/core/snapshot/rawSnapshot';
import { emptyRawAws } from '../../src/core/snapshot/rawSnapshot';

/**
 * A kubeconfig whose user is an exec credential plugin (as `aws eks get-token` is): the plugin
 * prints an ExecCredential with the token, and the live store authenticates with it.
 */
describe('kubeconfig with an exec credential plugin', () => {
  let sim: SimCluster;
  const snapshot: RawSnapshot = {
    root: 'memory',
    kubernetes: [{ object: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' }, spec: {}, status: { addresses: [{ type: 'InternalIP', address: '10.0.1.5' }] } }, origin: { file: 'nodes.yaml' } }],
    aws: emptyRawAws(),
    ipamd: [],
    hubble: [],
    problems: [],
  };

  beforeAll(async () => {
    sim = await startSimCluster({ snapshot });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('runs the plugin and lists with the token it prints; a failing plugin is an error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cni-lens-exec-'));
    const plugin = join(dir, 'get-token.js');
    const calls = join(dir, 'calls.log');
    writeFileSync(plugin, `require('fs').appendFileSync(${JSON.stringify(calls)}, 'x');
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: ${JSON.stringify(sim.token)} } }));\n`);
    chmodSync(plugin, 0o755);
    const config = parse(sim.kubeconfig('exec-test')) as { users: Array<{ name: string; user: Record<string, unknown> }> };
    config.users[0]!.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [plugin], interactiveMode: 'Never' } };
    const path = join(dir, 'kubeconfig.yaml');
    writeFileSync(path, stringify(config));

    const live = await openLiveStore(loadKubeConfig({ path }), { syncTimeoutMs: 15_000, aws: false, ipamd: false });
    try {
      expect(live.store.get('node', 'node-a')?.internalIp).toBe('10.0.1.5');
      expect(live.sources.find((s) => s.name === 'kubernetes')?.state).toBe('ok');
    } finally {
      await live.live.stop();
    }
    // the plugin ran, and every request carried its token (the sim answers 401 otherwise)
    expect(readFileSync(calls, 'utf8').length).toBeGreaterThan(0);
    expect(sim.requests.filter((r) => r.status === 401)).toEqual([]);

    // a plugin that fails: the resources are not listed and the error names the command
    config.users[0]!.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: join(dir, 'no-such-plugin'), interactiveMode: 'Never' } };
    writeFileSync(path, stringify(config));
    const broken = await openLiveStore(loadKubeConfig({ path }), { syncTimeoutMs: 3_000, aws: false, ipamd: false, backoffMs: 200 });
    try {
      const status = broken.sources.find((s) => s.name === 'kubernetes nodes');
      expect(status?.state).toBe('error');
      expect(status?.detail).toContain('no-such-plugin');
    } finally {
      await broken.live.stop();
    }
  });
});
