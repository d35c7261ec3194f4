/**
 * The audit the end-to-end harness runs when a VS Code session closes: a write that reached the
 * demo cluster, or a secret in a log file, is reported; reads and port-forwards are not.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { auditDemoSession } from '../e2e/harness/auditDemoSession';
import type { DemoSim } from '../e2e/harness/startDemoSim';
import { fixtureObjects, snapshotOf } from './simFixture';
import { simRequest } from './simHttp';

describe('the end-to-end read-only and secrets audit', () => {
  let sim: SimCluster;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimCluster({ snapshot: snapshotOf(fixtureObjects()), onWarning: () => undefined });
    dir = mkdtempSync(join(tmpdir(), 'cni-lens-audit-'));
  });
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes reads, reports a write and a leaked token, and writes the request log', async () => {
    const demo = { sim, secrets: { 'kubeconfig token': sim.token, AWS_SECRET_ACCESS_KEY: 'audit-secret-1234' } } as unknown as DemoSim;
    const logs = join(dir, 'ud', 'logs', 'window1', 'exthost', 'output_logging');
    mkdirSync(logs, { recursive: true });
    writeFileSync(join(logs, '1-CNI Lens.log'), 'info connecting to context shop-prod\n');
    const options = { label: 'unit', outputDir: dir, logDirs: [join(dir, 'ud', 'logs')], logFiles: [join(dir, 'unit-code-server.log')] };

    expect((await simRequest(sim, '/api/v1/pods')).status).toBe(200);
    expect((await simRequest(sim, '/api/v1/namespaces/shop/pods/web-7d9c-xk2p/portforward?ports=80')).status).toBe(400);
    const clean = auditDemoSession(demo, options);
    expect(clean).toMatchObject({ writes: [], leaks: [], cniLensLogFound: true });

    expect((await simRequest(sim, '/api/v1/namespaces/shop/pods/web-7d9c-xk2p', { method: 'DELETE' })).status).toBe(405);
    writeFileSync(join(dir, 'unit-code-server.log'), `Authorization: Bearer ${sim.token}\n`);
    const dirty = auditDemoSession(demo, options);
    expect(dirty.writes).toEqual(['DELETE /api/v1/namespaces/shop/pods/web-7d9c-xk2p (delete pods) → 405']);
    expect(dirty.leaks).toEqual([`${join(dir, 'unit-code-server.log')}: kubeconfig token`]);
    const written = JSON.parse(readFileSync(join(dir, 'requests-unit.json'), 'utf8')) as { total: number; nonRead: unknown[]; byKind: Record<string, number> };
    expect(written.nonRead).toHaveLength(1);
    expect(written.byKind).toMatchObject({ 'list pods': 1, 'create pods/portforward': 1, 'delete pods': 1 });
  });
});
