/**
 * TLS to Hubble Relay over the real protocols: the simulated cluster started with `hubble: { tls }`
 * serves Relay over TLS (Service port 443, certificate for *.hubble-relay.cilium.io), and the grpc-js
 * client reaches it through the Kubernetes port-forward and at a TCP address. Each handshake failure
 * (unknown CA, wrong server name, plaintext to TLS and the reverse, a client certificate missing or
 * refused) is a `tls` error that says which; files that cannot be used are `config` errors naming the
 * input and the path. The CA and client certificate are written to files the way a user exports them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRelay } from '../../src/core/hubble/connectRelay';
import { HubbleError, type HubbleClient } from '../../src/core/hubble/hubbleClient';
import type { HubbleAccess } from '../../src/core/hubble/hubbleTls';
import type { FlowRecord } from '../../src/core/hubble/flowTypes';
import { ClusterSession } from '../../src/core/sources/clusterSession';
import { relayFlows } from '../../src/core/sources/sessionFlows';
import { hubbleAccessFromSettings } from '../../src/extension/hubbleSettings';
import { generateSelfSignedCertificate } from '../../src/sim/simCertificate';
import type { SimCluster } from '../../src/sim/startSimCluster';
import { startSimClusterFromDir } from '../../src/sim/startSimClusterFromDir';

const DEMO = path.join(__dirname, '..', '..', 'demo', 'snapshot');
const DEMO_FLOWS = fs.readFileSync(path.join(DEMO, 'hubble', 'flows.jsonl'), 'utf8').trim().split('\n').length;
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

let dir: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-lens-hubble-tls-'));
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  fs.rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text, { mode: 0o600 });
  return p;
}

function kubeConfigOf(sim: SimCluster): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  return kc;
}

/** Connects and returns the client, or the error it failed with. */
async function attempt(access: HubbleAccess, kc?: KubeConfig): Promise<HubbleClient | HubbleError> {
  try {
    const client = await connectRelay(access, { ...(kc ? { kc } : {}), timeoutMs: 5_000 });
    cleanups.push(() => client.close());
    return client;
  } catch (err) {
    if (err instanceof HubbleError) return err;
    throw err;
  }
}

function expectError(result: HubbleClient | HubbleError): HubbleError {
  if (!(result instanceof HubbleError)) throw new Error(`connected to ${result.address}, expected a failure`);
  return result;
}

function expectClient(result: HubbleClient | HubbleError): HubbleClient {
  if (result instanceof HubbleError) throw new Error(`expected a connection, got ${result.kind}: ${result.message}`);
  return result;
}

describe('Relay with TLS (hubble.relay.tls.server.enabled=true)', () => {
  let sim: SimCluster;
  let kc: KubeConfig;
  let ca: string;
  let address: string;

  beforeAll(async () => {
    sim = await startSimClusterFromDir(DEMO, { onWarning: () => {}, hubble: { tls: true } });
    cleanups.push(() => sim.close());
    kc = kubeConfigOf(sim);
    ca = file('relay-ca.crt', sim.hubbleTls!.caPem);
    address = await sim.hubble!.listen();
  });

  it('the hubble-relay Service is on port 443 → grpc, as Cilium makes it; no Secret is served', async () => {
    expect(sim.hubble!.tls).toBe('tls');
    expect(sim.hubbleTls!.client).toBeUndefined();
    const svc = sim.api.get(sim.api.registry.find('v1', 'services')!, 'kube-system', 'hubble-relay') as unknown as { spec: { ports: unknown[] } };
    expect(svc.spec.ports).toEqual([{ port: 443, protocol: 'TCP', targetPort: 'grpc' }]);
    const secrets = sim.api.registry.find('v1', 'secrets');
    expect(secrets ? sim.api.list(secrets).filter((s) => /hubble|relay|cilium-ca/.test(s.metadata.name)) : []).toEqual([]);
  });

  it('port-forward: TLS chosen from the Service port (auto), the certificate checked against ui.hubble-relay.cilium.io', async () => {
    const client = expectClient(await attempt({ caFile: ca }, kc));
    expect(client.relay).toMatchObject({ namespace: 'kube-system', port: 4245, service: 'hubble-relay' });
    expect(client.tls).toEqual({ serverName: 'ui.hubble-relay.cilium.io', insecureSkipVerify: false, clientCertificate: false });
    expect((await client.serverStatus()).num_flows).toBe(DEMO_FLOWS);
    const drops: string[] = [];
    for await (const f of client.getFlows({ whitelist: [{ verdict: ['DROPPED'] }] })) drops.push(f.uuid!);
    expect(drops.length).toBe(7);
  });

  it('address: TLS implied by the CA file; tls:// works too; the certificate name given explicitly', async () => {
    const byCa = expectClient(await attempt({ address, caFile: ca }));
    expect(byCa.tls?.serverName).toBe('ui.hubble-relay.cilium.io'); // an IP address: Relay's usual name
    expect((await byCa.serverStatus()).num_flows).toBe(DEMO_FLOWS);
    const byPrefix = expectClient(await attempt({ address: `tls://${address}`, caFile: ca, serverName: 'instance.hubble-relay.cilium.io' }));
    expect(byPrefix.tls?.serverName).toBe('instance.hubble-relay.cilium.io');
    expect((await byPrefix.serverStatus()).num_flows).toBe(DEMO_FLOWS);
  });

  it('insecure skip verify: no CA needed, still TLS', async () => {
    const client = expectClient(await attempt({ tls: true, insecureSkipVerify: true }, kc));
    expect(client.tls).toMatchObject({ insecureSkipVerify: true });
    expect((await client.serverStatus()).num_flows).toBe(DEMO_FLOWS);
  });

  it('a wrong CA: "not signed by the CA in FILE", with the setting to change', async () => {
    const other = await generateSelfSignedCertificate({ commonName: 'another-ca', dnsNames: ['*.hubble-relay.cilium.io'], usage: 'server' });
    const wrong = file('other-ca.crt', other.certPem);
    const e = expectError(await attempt({ caFile: wrong, names: { caFile: 'cniLens.hubble.tls.caFile' } }, kc));
    expect(e.kind).toBe('tls');
    expect(e.message).toContain(`TLS handshake failed: Relay's certificate is not signed by the CA in ${wrong}`);
    expect(e.message).toContain('Set cniLens.hubble.tls.caFile to the CA that signed');
    // no CA at all: the machine's CAs do not know Relay's
    expect(expectError(await attempt({ tls: true }, kc)).message).toMatch(/not signed by a CA this machine trusts \(no CA file given\)/);
  });

  it('a wrong server name: "does not hold the server name", naming it and the flag', async () => {
    const e = expectError(await attempt({ address, caFile: ca, serverName: 'relay.example.com', names: { serverName: '--hubble-tls-server-name' } }));
    expect(e.kind).toBe('tls');
    expect(e.message).toContain(`Relay's certificate does not hold the server name "relay.example.com"`);
    expect(e.message).toContain('*.hubble-relay.cilium.io');
    expect(e.message).toContain('Set --hubble-tls-server-name');
  });

  it('plaintext to the TLS Relay: "Relay speaks TLS and CNI Lens spoke plaintext", through port-forward and at an address', async () => {
    const viaForward = expectError(await attempt({ tls: false, names: { tls: 'cniLens.hubble.tls.enabled' } }, kc));
    expect(viaForward.kind).toBe('tls');
    expect(viaForward.message).toMatch(/^Hubble Relay pod kube-system\/hubble-relay-[a-z0-9-]+ port 4245 \(port-forward\): Relay speaks TLS and CNI Lens spoke plaintext/);
    expect(viaForward.message).toContain('Turn TLS on (cniLens.hubble.tls.enabled)');
    const atAddress = expectError(await attempt({ address }));
    expect(atAddress.kind).toBe('tls');
    expect(atAddress.message).toContain('Relay speaks TLS and CNI Lens spoke plaintext');
  });
});

describe('Relay with mTLS (client certificate required)', () => {
  let sim: SimCluster;
  let kc: KubeConfig;
  let ca: string;
  let cert: string;
  let key: string;

  beforeAll(async () => {
    sim = await startSimClusterFromDir(DEMO, { onWarning: () => {}, hubble: { tls: { mtls: true } } });
    cleanups.push(() => sim.close());
    kc = kubeConfigOf(sim);
    ca = file('mtls-ca.crt', sim.hubbleTls!.caPem);
    cert = file('client.crt', sim.hubbleTls!.client!.certPem);
    key = file('client.key', sim.hubbleTls!.client!.keyPem);
  });

  it('with the client certificate: connected, flows read', async () => {
    expect(sim.hubble!.tls).toBe('mtls');
    const client = expectClient(await attempt({ caFile: ca, certFile: cert, keyFile: key }, kc));
    expect(client.tls).toMatchObject({ clientCertificate: true });
    expect((await client.serverStatus()).num_flows).toBe(DEMO_FLOWS);
  });

  it('without one: "requires a client certificate (mTLS)", naming both settings', async () => {
    const settings: Record<string, unknown> = { 'hubble.tls.caFile': ca };
    const e = expectError(await attempt(hubbleAccessFromSettings((n) => settings[n]), kc));
    expect(e.kind).toBe('tls');
    expect(e.message).toContain('Relay requires a client certificate (mTLS) and none was given');
    expect(e.message).toContain('Set cniLens.hubble.tls.certFile and cniLens.hubble.tls.keyFile');
  });

  it('with a certificate Relay does not trust: "refused the client certificate in FILE"; the key never appears', async () => {
    const stranger = await generateSelfSignedCertificate({ commonName: 'stranger', usage: 'client' });
    const strangerCert = file('stranger.crt', stranger.certPem);
    const strangerKey = file('stranger.key', stranger.keyPem);
    const e = expectError(await attempt({ caFile: ca, certFile: strangerCert, keyFile: strangerKey }, kc));
    expect(e.kind).toBe('tls');
    expect(e.message).toContain(`Relay refused the client certificate in ${strangerCert}`);
    const keyBody = stranger.keyPem.split('\n')[1]!;
    expect(e.message).not.toContain('PRIVATE KEY');
    expect(e.message).not.toContain(keyBody);
  });
});

describe('TLS to a plaintext Relay', () => {
  it('"Relay answers plaintext, not TLS"', async () => {
    const sim = await startSimClusterFromDir(DEMO, { onWarning: () => {} });
    cleanups.push(() => sim.close());
    const ca = file('unused-ca.crt', (await generateSelfSignedCertificate({ commonName: 'x', usage: 'server' })).certPem);
    const e = expectError(await attempt({ tls: true, caFile: ca }, kubeConfigOf(sim)));
    expect(e.kind).toBe('tls');
    expect(e.message).toMatch(/TLS handshake failed: Relay answers plaintext, not TLS \(wrong version number\)/);
    // auto through port-forward: the Service says port 80, so plaintext, and the CA file is not needed
    const auto = expectClient(await attempt({ caFile: ca }, kubeConfigOf(sim)));
    expect(auto.tls).toBeUndefined();
  });
});

describe('files that cannot be used', () => {
  it('missing, not PEM, a key without its certificate, a key of another certificate: config errors naming the input and the path', async () => {
    const names = { caFile: '--hubble-tls-ca', certFile: '--hubble-tls-cert', keyFile: '--hubble-tls-key' };
    const missing = path.join(dir, 'nope.crt');
    const missingErr = expectError(await attempt({ address: '127.0.0.1:1', caFile: missing, names }));
    expect(missingErr).toMatchObject({ kind: 'config', message: `--hubble-tls-ca: cannot read ${missing} (no such file)` });
    const notPem = file('not-pem.crt', 'hello\n');
    expect(expectError(await attempt({ address: '127.0.0.1:1', caFile: notPem, names })).message).toBe(`--hubble-tls-ca: ${notPem} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
    const a = await generateSelfSignedCertificate({ commonName: 'a', usage: 'client' });
    const b = await generateSelfSignedCertificate({ commonName: 'b', usage: 'client' });
    const certA = file('a.crt', a.certPem);
    const keyB = file('b.key', b.keyPem);
    const mismatch = expectError(await attempt({ address: '127.0.0.1:1', certFile: certA, keyFile: keyB, names }));
    expect(mismatch.message).toBe(`--hubble-tls-key: the key in ${keyB} does not belong to the certificate in ${certA} (--hubble-tls-cert)`);
    expect(mismatch.message).not.toContain(b.keyPem.split('\n')[1]!);
    const certAsKey = expectError(await attempt({ address: '127.0.0.1:1', certFile: certA, keyFile: certA, names }));
    expect(certAsKey.message).toBe(`--hubble-tls-key: ${certA} is not a PEM private key (-----BEGIN PRIVATE KEY----- or RSA/EC PRIVATE KEY)`);
    expect(expectError(await attempt({ address: '127.0.0.1:1', certFile: certA, names })).message).toBe('--hubble-tls-cert is set but --hubble-tls-key is not: a client certificate needs both the certificate and its key');
  });
});

describe('a session with Hubble settings', () => {
  it('a missing CA file shows in the hubble row with the setting and the path; new settings reconnect, and an open follow stream moves over', async () => {
    const sim = await startSimClusterFromDir(DEMO, { onWarning: () => {}, hubble: { tls: true } });
    const kubeconfigPath = file('session-kubeconfig.yaml', sim.kubeconfig());
    const missing = path.join(dir, 'exported', 'ca.crt');
    const settings: Record<string, unknown> = { 'hubble.tls.caFile': missing };
    const session = new ClusterSession({ kind: 'live', kubeconfigPath, aws: false, hubble: hubbleAccessFromSettings((n) => settings[n]) }, log);
    cleanups.push(async () => {
      await session.stop();
      await sim.close();
    });
    await session.start();
    const row = async (state: string): Promise<string> => {
      const start = Date.now();
      for (;;) {
        const r = session.sources.find((s) => s.name === 'hubble');
        if (r?.state === state) return r.detail ?? '';
        if (Date.now() - start > 10_000) throw new Error(`hubble row ${JSON.stringify(r)}, waiting for ${state}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    expect(await row('error')).toBe(`Hubble settings: cniLens.hubble.tls.caFile: cannot read ${missing} (no such file)`);
    await expect(session.flows!.recent({ last: 1 })).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('cniLens.hubble.tls.caFile') });

    // the user exports the CA and fixes the setting
    fs.mkdirSync(path.dirname(missing));
    fs.writeFileSync(missing, sim.hubbleTls!.caPem);
    await session.reconfigureHubble(hubbleAccessFromSettings((n) => settings[n]));
    expect(await row('ok')).toMatch(/^Relay pod kube-system\/hubble-relay-[a-z0-9-]+ port 4245 through port-forward, TLS \(server name ui\.hubble-relay\.cilium\.io\); 72 flows buffered/);

    // a follow stream survives another change of the settings (a server name given explicitly)
    const controller = new AbortController();
    const seen: FlowRecord[] = [];
    const messages: string[] = [];
    const following = (async () => {
      for await (const r of session.flows!.follow({}, { signal: controller.signal, onReconnect: (m) => messages.push(m) })) {
        seen.push(r);
        if (seen.length === 2) controller.abort();
      }
    })();
    const waitCalls = async (): Promise<void> => {
      const start = Date.now();
      while (sim.hubble!.stats().activeCalls === 0 && Date.now() - start < 5_000) await new Promise((res) => setTimeout(res, 10));
    };
    await waitCalls();
    const template = sim.hubble!.flows[0]!.flow;
    sim.hubble!.addFlows([{ ...template, uuid: 'before-change', time: new Date().toISOString() }]);
    for (const start = Date.now(); seen.length === 0 && Date.now() - start < 5_000; ) await new Promise((res) => setTimeout(res, 10));
    settings['hubble.tls.serverName'] = 'cni-lens.hubble-relay.cilium.io';
    await session.reconfigureHubble(hubbleAccessFromSettings((n) => settings[n]));
    expect(await row('ok')).toContain('server name cni-lens.hubble-relay.cilium.io');
    // at once: a flow that arrives while the stream moves over is not lost
    sim.hubble!.addFlows([{ ...template, uuid: 'after-change', time: new Date().toISOString() }]);
    await following;
    expect(seen.map((r) => r.flow.uuid)).toEqual(['before-change', 'after-change']);
    expect(messages).toContain('the Hubble settings changed: connecting to Relay again');
  });

  it('relayFlows without settings on a TLS Relay says plaintext met TLS, not "unreachable"', async () => {
    const sim = await startSimClusterFromDir(DEMO, { onWarning: () => {}, hubble: { tls: true } });
    const flows = relayFlows(kubeConfigOf(sim), { access: { tls: false } });
    cleanups.push(async () => {
      await flows.close();
      await sim.close();
    });
    const status = await flows.probe();
    expect(status.state).toBe('error');
    expect(status.detail).toMatch(/^Relay TLS: Hubble Relay pod .* Relay speaks TLS and CNI Lens spoke plaintext/);
  });
});
