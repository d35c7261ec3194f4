/**
 * `cni-lens doctor` in process: on the demo snapshot (no errors, the two unmanaged pods) and on
 * test/fixtures/doctor/broken-chaining.yaml (masquerade on, cni-exclusive true, VPC CNI 1.10.1).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import { runCliCaptured } from '../cliRun';

const DEMO = resolve(__dirname, '../../demo/snapshot');
const BROKEN = resolve(__dirname, '../fixtures/doctor/broken-chaining.yaml');

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCliCaptured(['doctor', ...args]);
}

describe('cni-lens doctor', () => {
  it('demo snapshot: exit 0, the unmanaged-pods warning with its fix, ok checks hidden', async () => {
    const r = await cli('--snapshot', DEMO);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')[0]).toBe('cni-lens doctor: AWS VPC CNI with Cilium chained (aws-cni chaining)');
    expect(r.out).toContain('⚠ cilium.unmanaged-pods  2 pods are not managed by Cilium (no CiliumEndpoint)');
    expect(r.out).toContain('    fix: Replace the pods so the chained CNI sets them up again:');
    expect(r.out).toContain('         kubectl -n data rollout restart deployment/legacy-reporter');
    expect(r.out).toContain('      Pod data/legacy-reporter-5c95786d59-pvf2k CiliumEndpoint = none  (kubernetes/pods.yaml:');
    expect(r.out).toContain('ℹ cilium.endpoint-routes  enable-endpoint-routes is true');
    expect(r.out).not.toContain('✖');
    expect(r.out).not.toContain('✔');
    expect(r.out.trimEnd().split('\n').pop()).toBe('0 errors, 1 warning, 4 info, 20 ok (--all shows the ok checks)');
  });

  it('--all lists the passed checks as one line each', async () => {
    const r = await cli('--snapshot', DEMO, '--all');
    expect(r.code).toBe(0);
    expect(r.out).toContain('✔ cilium.masquerade  enable-ipv4-masquerade is false: only the VPC CNI SNATs');
    expect(r.out).toContain('✔ vpc-cni.version  VPC CNI v1.22.3 (≥ 1.11.2)');
    expect(r.out.trimEnd().split('\n').pop()).toBe('0 errors, 1 warning, 4 info, 20 ok');
  });

  it('--json prints the report', async () => {
    const r = await cli('--snapshot', DEMO, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.mode.mode).toBe('aws-cni-chaining');
    expect(report.counts).toEqual({ error: 0, warning: 1, info: 4, ok: 20 });
    const masq = report.findings.find((f: { id: string }) => f.id === 'cilium.masquerade');
    expect(masq).toMatchObject({ severity: 'ok', evidence: [{ fact: 'cilium-config enable-ipv4-masquerade', value: 'false', origin: { source: 'snapshot', file: 'kubernetes/kube-system-config.yaml' } }, expect.anything()] });
  });

  it('a broken chaining setup: exit 1, the errors first with their fixes', async () => {
    const r = await cli('--snapshot', BROKEN);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toContain('✖ cilium.masquerade  enable-ipv4-masquerade is true: pod traffic can be SNATed twice');
    expect(r.out).toContain('✖ cilium.cni-exclusive  cni-exclusive is true');
    expect(r.out).toContain('✖ vpc-cni.version  VPC CNI v1.10.1 is older than 1.11.2');
    expect(r.out).toContain('--set enableIPv4Masquerade=false (cilium-config enable-ipv4-masquerade: "false")');
    expect(r.out).toContain('aws eks update-addon --cluster-name fixture --addon-name vpc-cni');
    expect(r.out).toContain('cilium-config enable-ipv4-masquerade = true  (broken-chaining.yaml:');
    // errors come before warnings and info
    expect(r.out.indexOf('✖')).toBeLessThan(r.out.indexOf('ℹ'));
    expect(r.out.trimEnd().split('\n').pop()).toMatch(/^3 errors, 0 warnings, \d+ info, \d+ ok/);

    const j = await cli('--snapshot', BROKEN, '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out).counts.error).toBe(3);
  });

  it('--help prints the usage; bad arguments exit 2', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: cni-lens doctor (--snapshot DIR | --kubeconfig FILE [--context NAME]) [--json] [--all]');
    expect(help.out).toContain('Exit status: 1 when any finding is an error');

    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.err).toContain('give exactly one of --snapshot DIR or --kubeconfig FILE');
    expect((await cli('--snapshot', DEMO, '--kubeconfig', 'x')).code).toBe(2);
    expect((await cli('--snapshot', DEMO, '--context', 'c')).err).toContain('--context needs --kubeconfig');
    expect((await cli('--snapshot', DEMO, '--bogus')).code).toBe(2);
  });

  it('a snapshot that cannot be loaded: exit 1 with the reason', async () => {
    const r = await cli('--snapshot', resolve(__dirname, '../fixtures/doctor/does-not-exist'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^cni-lens doctor: /);
  });

  it('is listed in the top-level usage', async () => {
    let out = '';
    await runCli(['--help'], { out: (t) => (out += t), err: () => undefined }, new AbortController().signal);
    expect(out).toMatch(/\n {2}doctor +Check the aws-cni chaining configuration/);
  });
});
