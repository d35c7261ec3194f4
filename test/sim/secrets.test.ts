/**
 * Secrets never reach a log line or an error message: a kubeconfig with a bearer token, a client
 * key and an exec credential plugin (with a secret argument and environment variable), AWS
 * credentials in the environment, and errors provoked on purpose (RBAC denials, an EC2 credential
 * failure, rejected credentials, an unreachable endpoint). Everything the sessions and the CLI log,
 * print or put in a source or state is captured and searched for each secret.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../../src/cli/main';
import { ClusterSession } from '../../src/core/sources/clusterSession';
import { listKubeContexts } from '../../src/extension/runtimeEntry';
import { captureLog, DEMO_REGION, startDemoCluster, type DemoCluster } from './rbacFixture';

const secret = (prefix: string) => `${prefix}${randomBytes(18).toString('hex')}`;
const BEARER_TOKEN = secret('bearer-');
const EXEC_TOKEN = secret('exec-token-');
const EXEC_ARG_SECRET = secret('exec-arg-');
const EXEC_ENV_SECRET = secret('exec-env-');
const AWS_ACCESS_KEY_ID = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
const AWS_SECRET_ACCESS_KEY = secret('aws-secret-');
const AWS_SESSION_TOKEN = secret('aws-session-');
const CLIENT_KEY_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const CLIENT_KEY_DATA = Buffer.from(CLIENT_KEY_PEM).toString('base64');
/** The key's base64 body, without the PEM armour (any part of it would be a leak; search the whole). */
const CLIENT_KEY_BODY = CLIENT_KEY_PEM.split('\n').filter((l) => l && !l.startsWith('-----')).join('');

const SECRETS: Record<string, string> = {
  BEARER_TOKEN,
  EXEC_TOKEN,
  EXEC_ARG_SECRET,
  EXEC_ENV_SECRET,
  AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY,
  AWS_SESSION_TOKEN,
  CLIENT_KEY_DATA,
  CLIENT_KEY_BODY,
  // each line of the key as well, in case a message shows part of it
  ...Object.fromEntries(CLIENT_KEY_PEM.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')).map((l, i) => [`CLIENT_KEY_LINE_${i}`, l])),
};

/** Every secret found in `text`, by name. */
function leaks(text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);
}

describe('secrets stay out of logs and errors', () => {
  let cluster: DemoCluster;
  let closedPort: number;
  const captured: string[] = [];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    cluster = await startDemoCluster(
      // RBAC denials: no CiliumEndpoints, no port-forward
      { forbidden: [{ group: 'cilium.io', resource: 'ciliumendpoints' }, { group: '', resource: 'pods/portforward', verbs: ['create'] }] },
      // EC2 rejects the credentials, as AWS does for a wrong secret key
      { faults: () => ({ status: 401, code: 'AuthFailure', message: 'AWS was not able to validate the provided access credentials' }) },
      { token: BEARER_TOKEN },
    );
    // a port nothing listens on: the "unreachable endpoint"
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const plugin = join(cluster.dir, 'get-token.js');
    writeFileSync(
      plugin,
      `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: ${JSON.stringify(EXEC_TOKEN)} } }));\n`,
    );
    chmodSync(plugin, 0o755);
    const config = parse(cluster.sim.kubeconfig('demo')) as {
      clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
      users: Array<{ name: string; user: Record<string, unknown> }>;
      contexts: Array<{ name: string; context: Record<string, unknown> }>;
    };
    const ca = config.clusters[0]!.cluster['certificate-authority-data'];
    config.clusters.push({ name: 'closed', cluster: { server: `https://127.0.0.1:${closedPort}`, 'certificate-authority-data': ca } });
    config.users.push(
      // the simulated API server accepts only the bearer token: these two are rejected (401)
      { name: 'cert', user: { 'client-certificate-data': Buffer.from(cluster.sim.caPem).toString('base64'), 'client-key-data': CLIENT_KEY_DATA } },
      {
        name: 'exec',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: process.execPath,
            args: [plugin, `--secret=${EXEC_ARG_SECRET}`],
            env: [{ name: 'PLUGIN_SECRET', value: EXEC_ENV_SECRET }],
            interactiveMode: 'Never',
          },
        },
      },
    );
    config.contexts.push(
      { name: 'cert', context: { cluster: 'demo', user: 'cert' } },
      { name: 'exec', context: { cluster: 'demo', user: 'exec' } },
      { name: 'closed', context: { cluster: 'closed', user: 'demo' } },
    );
    writeFileSync(cluster.kubeconfigPath, stringify(config), { mode: 0o600 });

    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN,
      AWS_REGION: DEMO_REGION,
      AWS_ENDPOINT_URL_EC2: cluster.ec2.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      HOME: cluster.dir,
    });
    // anything a library prints goes into the capture too
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void captured.push(args.map(String).join(' ')));
    }
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    process.env = savedEnv;
    await cluster?.close();
  });

  /**
   * Runs a session until it has connected, or until every resource has failed and is being retried
   * (credentials the server rejects, no server); captures all it says. Returns the session and what
   * it logged before it was stopped.
   */
  async function session(context: string): Promise<{ s: ClusterSession; phase: string; detail?: string; lines: string[] }> {
    const log = captureLog();
    const s = new ClusterSession({ kind: 'live', kubeconfigPath: cluster.kubeconfigPath, context, aws: { endpoint: cluster.ec2.endpoint, region: DEMO_REGION } }, log);
    const states: string[] = [];
    s.onState((state) => states.push(`${state.phase} ${state.detail ?? ''}`));
    const started = s.start();
    const retrying = () => new Set(log.lines.filter((l) => / retry \d+ in /.test(l)).map((l) => l.split(':')[0])).size >= 16;
    await Promise.race([started, vi.waitUntil(retrying, { timeout: 30_000, interval: 50 })]);
    const phase = s.state.phase;
    const detail = s.state.detail;
    await s.stop();
    await started;
    captured.push(...log.lines, ...states, JSON.stringify(s.sources), JSON.stringify(s.state));
    if (context === 'demo') {
      try {
        await s.fetchKubeObject('/api/v1/namespaces/kube-system/pods/missing');
      } catch (err) {
        captured.push(String(err), (err as Error).stack ?? '');
      }
    }
    return { s, phase, detail, lines: log.lines };
  }

  async function cli(args: string[]): Promise<number> {
    let text = '';
    const code = await runCli(args, { out: (t) => (text += t), err: (t) => (text += t) }, new AbortController().signal);
    captured.push(text);
    return code;
  }

  it('a full session with RBAC denials and an EC2 credential failure', async () => {
    const { s, phase } = await session('demo');
    expect(phase).toBe('connected');
    expect(s.sources.find((x) => x.name === 'kubernetes ciliumendpoints')?.state).toBe('forbidden');
    expect(s.sources.find((x) => x.name === 'ipamd')?.state).toBe('forbidden');
    expect(s.sources.find((x) => x.name === 'ec2')?.detail).toContain('AWS rejected the credentials (AuthFailure');
    // the EC2 API did get the access key (it signs every request): the secret was in use
    expect(cluster.ec2.requests.some((r) => r.accessKeyId === AWS_ACCESS_KEY_ID)).toBe(true);
    expect(leaks(captured.join('\n'))).toEqual([]);
  }, 60_000);

  it.each([
    ['cert', /Unauthorized/],
    ['exec', /Unauthorized/],
    ['closed', /ECONNREFUSED|connect/],
  ])('context %s: the session reports the failure without the credentials', async (context, expected) => {
    const { lines, phase, detail } = await session(context);
    // every resource failed its first list: unreachable at once (not "connecting" until the sync timeout), with the cause
    expect(phase).toBe('unreachable');
    expect(detail).toMatch(context === 'closed' ? /^no resource could be listed: .*(ECONNREFUSED|connect)/ : /did not accept the credentials of context .*401 Unauthorized/);
    expect(lines.filter((l) => l.startsWith('warn ')).length).toBeGreaterThanOrEqual(16);
    expect(lines.find((l) => l.startsWith('warn pods:'))).toMatch(expected);
    expect(leaks(captured.join('\n'))).toEqual([]);
  }, 60_000);

  it('a malformed kubeconfig: the parse error names the line, not the token and key next to it', async () => {
    const broken = join(cluster.dir, 'broken-kubeconfig.yaml');
    // a syntax error right after the credentials: the YAML parser quotes the lines around it
    writeFileSync(
      broken,
      ['apiVersion: v1', 'kind: Config', 'users:', '- name: a', '  user:', `    token: ${BEARER_TOKEN}`, `    client-key-data: ${CLIENT_KEY_DATA}`, '     client-certificate-data: x', 'contexts: []', ''].join('\n'),
    );
    const log = captureLog();
    const s = new ClusterSession({ kind: 'live', kubeconfigPath: broken }, log);
    await s.start();
    expect(s.state.phase).toBe('error');
    expect(s.state.detail).toBe(`cannot read kubeconfig ${broken}: bad indentation of a mapping entry at line 8, column 29`);
    const picker = listKubeContexts(broken);
    expect(picker.error).toBe('bad indentation of a mapping entry at line 8, column 29');
    let printed = '';
    const code = await runCli(['summary', '--kubeconfig', broken], { out: (t) => (printed += t), err: (t) => (printed += t) }, new AbortController().signal);
    expect(code).not.toBe(0);
    expect(printed).toContain('bad indentation of a mapping entry at line 8');
    // an unterminated quoted token: the parser's message would quote it
    writeFileSync(broken, ['apiVersion: v1', 'users:', '- name: a', '  user:', `    token: "${BEARER_TOKEN}`, 'contexts: []', ''].join('\n'));
    const quoted = listKubeContexts(broken);
    expect(quoted.error).toBeDefined();
    captured.push(JSON.stringify(s.state), ...log.lines, picker.error ?? '', printed, quoted.error ?? '');
    expect(leaks(captured.join('\n'))).toEqual([]);
  });

  it('the CLI (summary, doctor, flows, collect) on each context prints errors without the credentials', async () => {
    expect(await cli(['summary', '--kubeconfig', cluster.kubeconfigPath, '--context', 'demo', '--timeout', '20'])).toBe(0);
    await cli(['doctor', '--kubeconfig', cluster.kubeconfigPath, '--context', 'demo', '--timeout', '20']);
    expect(await cli(['flows', '--kubeconfig', cluster.kubeconfigPath, '--context', 'demo'])).toBe(1); // port-forward is forbidden
    expect(await cli(['flows', '--kubeconfig', cluster.kubeconfigPath, '--context', 'exec'])).toBe(1);
    expect(await cli(['flows', '--kubeconfig', cluster.kubeconfigPath, '--context', 'closed', '--timeout', '2'])).toBe(1);
    for (const context of ['cert', 'exec', 'closed']) {
      // the default --timeout (60 s): nothing could be listed, so the CLI says why at once instead of waiting
      let printed = '';
      const code = await runCli(['summary', '--kubeconfig', cluster.kubeconfigPath, '--context', context], { out: (t) => (printed += t), err: (t) => (printed += t) }, new AbortController().signal);
      captured.push(printed);
      expect({ context, code }).toEqual({ context, code: 1 });
      expect(printed).toMatch(context === 'closed' ? /cni-lens summary: no resource could be listed: .*(ECONNREFUSED|connect)/ : new RegExp(`cni-lens summary: the API server did not accept the credentials of context ${context} \\(401 Unauthorized\\)`));
    }
    await cli(['collect', '--kubeconfig', cluster.kubeconfigPath, '--context', 'exec', '--out', join(cluster.dir, 'collected')]);
    const all = captured.join('\n');
    // the errors were provoked and printed...
    expect(all).toContain('is forbidden');
    expect(all).toContain('Unauthorized');
    expect(all).toContain('AWS rejected the credentials (AuthFailure');
    // ...and no secret came with them
    expect(leaks(all)).toEqual([]);
  }, 120_000);
});
