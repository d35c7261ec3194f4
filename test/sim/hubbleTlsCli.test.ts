/**
 * The CLI end to end with TLS to Hubble Relay: `cni-lens sim --hubble-tls` / `--hubble-mtls` writes the
 * CA (and the client certificate) next to the kubeconfig, and `cni-lens flows` / `cni-lens trace` reach
 * Relay through the port-forward with `--hubble-tls-ca` (and `--hubble-tls-cert`/`--hubble-tls-key`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cliCommand';
import { runCli } from '../../src/cli/main';

const DEMO = path.join(__dirname, '..', '..', 'demo', 'snapshot');
const DROPS = fs
  .readFileSync(path.join(DEMO, 'hubble', 'flows.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { flow: { uuid: string; verdict: string } })
  .filter((l) => l.flow.verdict === 'DROPPED')
  .map((l) => l.flow.uuid);

function run(args: string[], signal = new AbortController().signal): { done: Promise<number>; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t) };
  return { done: runCli(args, io, signal), out: () => out, err: () => err };
}

/** Runs `cni-lens sim` until the test ends; resolves once it printed "ready". */
async function startSim(dir: string, flag: '--hubble-tls' | '--hubble-mtls'): Promise<{ kubeconfig: string; out: string; stop: () => Promise<void> }> {
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  const controller = new AbortController();
  const sim = run(['sim', '--snapshot', DEMO, '--kubeconfig', kubeconfig, flag], controller.signal);
  const start = Date.now();
  while (!/cni-lens sim: ready/.test(sim.out())) {
    if (Date.now() - start > 20_000) throw new Error(`sim did not start: ${sim.out()} ${sim.err()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    kubeconfig,
    out: sim.out(),
    stop: async () => {
      controller.abort();
      expect(await sim.done).toBe(0);
    },
  };
}

function uuids(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { flow: { uuid: string } }).flow.uuid);
}

describe('cni-lens sim --hubble-tls, cni-lens flows --hubble-tls-ca', () => {
  let dir: string;
  let sim: Awaited<ReturnType<typeof startSim>>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-lens-tls-cli-'));
    sim = await startSim(dir, '--hubble-tls');
  });

  afterAll(async () => {
    await sim?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the sim writes the CA next to the kubeconfig and says where; no client certificate without mTLS', () => {
    const ca = path.join(dir, 'hubble-relay-ca.crt');
    expect(sim.out).toContain(`Hubble Relay speaks TLS (Service kube-system/hubble-relay port 443, certificate for *.hubble-relay.cilium.io); wrote ${ca}`);
    expect(fs.readFileSync(ca, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(fs.statSync(ca).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(dir, 'hubble-client.key'))).toBe(false);
  });

  it('flows --kubeconfig --hubble-tls-ca: the demo drops over TLS through port-forward', async () => {
    const r = run(['flows', '--kubeconfig', sim.kubeconfig, '--hubble-tls-ca', path.join(dir, 'hubble-relay-ca.crt'), '--verdict', 'DROPPED', '--json']);
    expect(await r.done, r.err()).toBe(0);
    expect(uuids(r.out())).toEqual(DROPS);
    expect(r.err()).toMatch(/^Hubble Relay: pod kube-system\/hubble-relay-[a-z0-9-]+ port 4245 through port-forward, TLS \(server name ui\.hubble-relay\.cilium\.io\)\n$/);
  });

  it('without the CA: exit 1, the handshake failure named with the flag to give', async () => {
    const r = run(['flows', '--kubeconfig', sim.kubeconfig, '--verdict', 'DROPPED']);
    expect(await r.done).toBe(1);
    expect(r.err()).toContain("TLS handshake failed: Relay's certificate is not signed by a CA this machine trusts (no CA file given)");
    expect(r.err()).toContain('Set --hubble-tls-ca to the CA');
    expect(r.out()).toBe('');
  });

  it('a CA file that does not exist: exit 2 naming the flag and the path, before connecting', async () => {
    const missing = path.join(dir, 'nope', 'ca.crt');
    const r = run(['flows', '--kubeconfig', sim.kubeconfig, '--hubble-tls-ca', missing]);
    expect(await r.done).toBe(2);
    expect(r.err()).toBe(`cni-lens flows: --hubble-tls-ca: cannot read ${missing} (no such file)\n`);
  });

  it('TLS options with --snapshot are a usage error', async () => {
    const r = run(['flows', '--snapshot', DEMO, '--hubble-tls']);
    expect(await r.done).toBe(2);
    expect(r.err()).toContain('the --hubble-tls options need a live Relay (--kubeconfig or --hubble-address)');
  });
});

describe('cni-lens sim --hubble-mtls: flows and trace with a client certificate', () => {
  let dir: string;
  let sim: Awaited<ReturnType<typeof startSim>>;
  let tlsArgs: string[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-lens-mtls-cli-'));
    sim = await startSim(dir, '--hubble-mtls');
    tlsArgs = ['--hubble-tls-ca', path.join(dir, 'hubble-relay-ca.crt'), '--hubble-tls-cert', path.join(dir, 'hubble-client.crt'), '--hubble-tls-key', path.join(dir, 'hubble-client.key')];
  });

  afterAll(async () => {
    await sim?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the sim writes the CA, the client certificate and key (0600)', () => {
    expect(sim.out).toContain('Hubble Relay speaks mTLS');
    for (const name of ['hubble-relay-ca.crt', 'hubble-client.crt', 'hubble-client.key']) {
      expect(sim.out).toContain(path.join(dir, name));
      expect(fs.statSync(path.join(dir, name)).mode & 0o777).toBe(0o600);
    }
    expect(fs.readFileSync(path.join(dir, 'hubble-client.key'), 'utf8')).toMatch(/PRIVATE KEY-----/);
  });

  it('flows with the client certificate: mTLS; without it: exit 1, "requires a client certificate"', async () => {
    const ok = run(['flows', '--kubeconfig', sim.kubeconfig, ...tlsArgs, '--verdict', 'DROPPED', '--json']);
    expect(await ok.done, ok.err()).toBe(0);
    expect(uuids(ok.out())).toEqual(DROPS);
    expect(ok.err()).toContain('through port-forward, mTLS (server name ui.hubble-relay.cilium.io)');
    const noCert = run(['flows', '--kubeconfig', sim.kubeconfig, ...tlsArgs.slice(0, 2), '--verdict', 'DROPPED']);
    expect(await noCert.done).toBe(1);
    expect(noCert.err()).toContain('Relay requires a client certificate (mTLS) and none was given');
    expect(noCert.err()).toContain('Set --hubble-tls-cert and --hubble-tls-key');
    expect(noCert.err()).not.toContain('PRIVATE KEY');
  });

  it('trace: the observed drop comes from Relay over mTLS', async () => {
    const r = run(['trace', '--kubeconfig', sim.kubeconfig, '--no-aws', '--from', 'shop/cart-78d4d6b5d-n4pww', '--to', 'payments/api-f959c8b7-z9s4b', '--port', '8443', '--json', ...tlsArgs]);
    expect(await r.done, r.err()).toBe(0);
    const t = JSON.parse(r.out());
    expect(t.observed).toMatchObject({ available: true, from: 'Hubble Relay', verdict: 'deny', sameHop: true });
    // without the certificate the trace is still built and says why no flows were observed
    const noCert = run(['trace', '--kubeconfig', sim.kubeconfig, '--no-aws', '--from', 'shop/cart-78d4d6b5d-n4pww', '--to', 'payments/api-f959c8b7-z9s4b', '--port', '8443', '--json', ...tlsArgs.slice(0, 2)]);
    expect(await noCert.done, noCert.err()).toBe(0);
    const t2 = JSON.parse(noCert.out());
    expect(t2.observed.available).toBe(false);
    expect(t2.observed.detail).toContain('Relay requires a client certificate (mTLS)');
  });
});
