/**
 * The extension's `cniLens.hubble.*` settings → the session's HubbleAccess: paths resolved, empty
 * values unset, and settings that cannot be used rejected (when the session connects) with a message
 * that names the setting and the path, never a file's content. Every setting is contributed and
 * restricted in untrusted workspaces.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubbleConfigError, loadHubbleTls } from '../../src/core/hubble/hubbleTls';
import { HUBBLE_SETTING_NAMES, hubbleAccessFromSettings } from '../../src/extension/hubbleSettings';
import { generateSelfSignedCertificate } from '../../src/sim/simCertificate';

let dir: string;
let cert: { certPem: string; keyPem: string };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-lens-hubble-settings-'));
  cert = await generateSelfSignedCertificate({ commonName: 'client', usage: 'client' });
  fs.writeFileSync(path.join(dir, 'client.crt'), cert.certPem);
  fs.writeFileSync(path.join(dir, 'client.key'), cert.keyPem);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a certificate\n');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const from = (settings: Record<string, unknown>, baseDir?: string) => hubbleAccessFromSettings((name) => settings[name], baseDir);

async function rejection(settings: Record<string, unknown>): Promise<HubbleConfigError> {
  try {
    await loadHubbleTls(from(settings, dir));
  } catch (err) {
    if (err instanceof HubbleConfigError) return err;
    throw err;
  }
  throw new Error('the settings were accepted');
}

describe('hubbleAccessFromSettings', () => {
  it('maps the settings: empty is unset, ~/ and workspace-relative paths resolved, "true" read as true', () => {
    expect(from({ 'hubble.address': '', 'hubble.tls.caFile': '  ', 'hubble.tls.enabled': 'auto' })).toEqual({ names: expect.any(Object), tls: 'auto' });
    const access = from(
      { 'hubble.address': 'tls://relay.example.com:443', 'hubble.tls.enabled': 'true', 'hubble.tls.caFile': '~/certs/ca.crt', 'hubble.tls.certFile': 'certs/client.crt', 'hubble.tls.keyFile': '/abs/client.key', 'hubble.tls.serverName': 'ui.hubble-relay.cilium.io', 'hubble.tls.insecureSkipVerify': false },
      '/work/project',
    );
    expect(access).toMatchObject({
      address: 'tls://relay.example.com:443',
      tls: true,
      caFile: path.join(os.homedir(), 'certs', 'ca.crt'),
      certFile: '/work/project/certs/client.crt',
      keyFile: '/abs/client.key',
      serverName: 'ui.hubble-relay.cilium.io',
    });
    expect(access.insecureSkipVerify).toBeUndefined();
    expect(access.names).toMatchObject({ caFile: 'cniLens.hubble.tls.caFile', keyFile: 'cniLens.hubble.tls.keyFile', tls: 'cniLens.hubble.tls.enabled' });
  });

  it('accepts usable files: the PEM read for the gRPC client', async () => {
    const loaded = await loadHubbleTls(from({ 'hubble.tls.certFile': 'client.crt', 'hubble.tls.keyFile': 'client.key' }, dir));
    expect(loaded.cert?.toString()).toBe(cert.certPem);
    expect(loaded.key?.toString()).toBe(cert.keyPem);
  });

  it('rejects what cannot be used, naming the setting and the path', async () => {
    const missing = path.join(dir, 'exported', 'ca.crt');
    expect((await rejection({ 'hubble.tls.caFile': missing })).message).toBe(`cniLens.hubble.tls.caFile: cannot read ${missing} (no such file)`);
    expect((await rejection({ 'hubble.tls.caFile': 'notes.txt' })).message).toBe(`cniLens.hubble.tls.caFile: ${path.join(dir, 'notes.txt')} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
    expect((await rejection({ 'hubble.tls.caFile': '.' })).message).toBe(`cniLens.hubble.tls.caFile: cannot read ${dir} (it is a directory)`);
    const keyOnly = await rejection({ 'hubble.tls.keyFile': 'client.key' });
    expect(keyOnly.input).toBe('cniLens.hubble.tls.certFile');
    expect(keyOnly.message).toBe('cniLens.hubble.tls.keyFile is set but cniLens.hubble.tls.certFile is not: a client certificate needs both the certificate and its key');
    const keyIsCert = await rejection({ 'hubble.tls.certFile': 'client.crt', 'hubble.tls.keyFile': 'client.crt' });
    expect(keyIsCert.message).toBe(`cniLens.hubble.tls.keyFile: ${path.join(dir, 'client.crt')} is not a PEM private key (-----BEGIN PRIVATE KEY----- or RSA/EC PRIVATE KEY)`);
    expect((await rejection({ 'hubble.tls.enabled': 'yes' })).message).toBe('cniLens.hubble.tls.enabled must be "auto", true or false, got "yes"');
    expect((await rejection({ 'hubble.address': 'hubble-relay' })).message).toBe('cniLens.hubble.address must be HOST:PORT (e.g. 127.0.0.1:4245 or hubble-relay.example.com:443), got "hubble-relay"');
    expect((await rejection({ 'hubble.tls.serverName': 'not a name' })).input).toBe('cniLens.hubble.tls.serverName');
  });

  it('a key file that is not a key: the message holds no line of it', async () => {
    // a private key pasted into the certificate setting: named as not a certificate, its content not echoed
    const err = await rejection({ 'hubble.tls.certFile': 'client.key', 'hubble.tls.keyFile': 'client.key' });
    expect(err.message).toBe(`cniLens.hubble.tls.certFile: ${path.join(dir, 'client.key')} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
    for (const line of cert.keyPem.split('\n').slice(1, -2)) expect(err.message).not.toContain(line);
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
  };

  it('contributes every Hubble setting, restricted in untrusted workspaces, TLS "auto" by default', () => {
    for (const name of Object.values(HUBBLE_SETTING_NAMES)) {
      expect(pkg.contributes.configuration.properties[`cniLens.${name}`], name).toBeDefined();
      expect(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations).toContain(`cniLens.${name}`);
    }
    expect(pkg.contributes.configuration.properties['cniLens.hubble.tls.enabled']!.default).toBe('auto');
  });
});
