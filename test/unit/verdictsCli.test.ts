/**
 * `cni-lens verdicts` run in-process on the demo snapshot, with captured output: the stable JSON
 * shape (one entry per query, in order), the demo's expected verdicts, error entries, bad input.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cliCommand';
import { runCli } from '../../src/cli/main';

const DEMO = path.join(__dirname, '..', '..', 'demo', 'snapshot');
const CART = 'shop/cart-78d4d6b5d-n4pww';
const CHECKOUT = 'shop/checkout-5d746469b-bhxhw';
const API = 'payments/api-f959c8b7-gqnkl';
const EVENTS = 'data/events-producer-75b9499fcc-s9pm9';
const LEGACY = 'data/legacy-reporter-5c95786d59-pvf2k';

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

function writeTemp(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-lens-verdicts-'));
  tempDirs.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t) };
  const code = await runCli(args, io, new AbortController().signal);
  return { code, out, err };
}

async function verdicts(queries: unknown[], extra: string[] = []): Promise<Array<Record<string, unknown>>> {
  const file = writeTemp('queries.json', JSON.stringify(queries));
  const { code, out, err } = await run(['verdicts', '--manifests', DEMO, '--queries', file, ...extra]);
  expect(code, err).toBe(0);
  return JSON.parse(out) as Array<Record<string, unknown>>;
}

describe('cni-lens verdicts on the demo snapshot', () => {
  it('answers each query in order, with errors in place', async () => {
    const result = await verdicts([
      { from: CART, to: API, port: 8443, protocol: 'TCP' },
      { from: CHECKOUT, to: API, port: 8443 },
      { from: EVENTS, to: { cidr: '169.254.169.254/32' }, port: 80 },
      { from: 'shop/nope', to: API, port: 8443 },
      { from: LEGACY, to: { cidr: '10.0.100.45/32' }, port: 5432 },
      { from: CHECKOUT, to: API, port: 99999 },
    ]);
    expect(result.map((r) => r.verdict ?? 'error')).toEqual(['deny', 'allow', 'deny', 'error', 'allow', 'error']);
    for (const r of result) {
      if ('error' in r) continue;
      expect(Object.keys(r).slice(0, 3)).toEqual(['verdict', 'reason', 'by']);
    }

    const [cart, checkout, imds, missing, legacy, badPort] = result as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect(cart.reason).toBe(
      `ingress to ${API} is isolated by NetworkPolicy payments/allow-checkout-to-api, NetworkPolicy payments/default-deny-ingress and no rule allows ${CART} on TCP 8443`,
    );
    expect(cart.by).toContainEqual({
      kind: 'NetworkPolicy',
      namespace: 'payments',
      name: 'default-deny-ingress',
      rule: 'spec.podSelector',
      file: 'kubernetes/networkpolicies.yaml',
      line: 39,
      effect: 'isolate',
    });

    expect(checkout.by).toEqual([
      {
        kind: 'NetworkPolicy',
        namespace: 'payments',
        name: 'allow-checkout-to-api',
        rule: 'spec.ingress[0].from[0]',
        file: 'kubernetes/networkpolicies.yaml',
        line: 15,
        effect: 'allow',
      },
    ]);
    expect(checkout.reason).toContain('allowed by NetworkPolicy payments/allow-checkout-to-api spec.ingress[0].from[0]');

    expect(imds.by).toEqual([
      { kind: 'CiliumClusterwideNetworkPolicy', name: 'deny-imds', rule: 'spec.egressDeny[0].toCIDRSet[0]', file: 'kubernetes/networkpolicies.yaml', line: 150, effect: 'deny' },
    ]);

    expect(missing).toEqual({ error: 'pod shop/nope not found', query: 3 });
    expect(String(legacy.reason)).toMatch(/has no CiliumEndpoint/);
    expect(badPort).toEqual({ error: '"port" must be an integer from 1 to 65535', query: 5 });
  });

  it('with --engine kubernetes the Cilium deny-imds rule does not apply', async () => {
    const [imds] = await verdicts([{ from: EVENTS, to: { cidr: '169.254.169.254' }, port: 80 }], ['--engine', 'kubernetes']);
    expect(imds?.verdict).toBe('allow');
    expect(String((imds?.notes as string[]).join(' '))).toMatch(/Cilium policies are ignored/);
  });

  it('reads one YAML file as well as a directory', async () => {
    const file = path.join(__dirname, '..', 'fixtures', 'policy', 'provenance.yaml');
    const queries = writeTemp('q.json', JSON.stringify([{ from: { cidr: '198.51.100.7' }, to: 'shop/web', port: 8080 }]));
    const { code, out } = await run(['verdicts', '--manifests', file, '--queries', queries]);
    expect(code).toBe(0);
    const [v] = JSON.parse(out) as Array<{ verdict: string; by: Array<{ file: string; line: number }> }>;
    expect(v?.verdict).toBe('deny');
    expect(v?.by[0]).toMatchObject({ file: 'provenance.yaml', line: 78 });
  });
});

describe('bad input', () => {
  it('a queries file that is not JSON: exit 2, the file named', async () => {
    const file = writeTemp('broken.json', '[{"from": ');
    const { code, out, err } = await run(['verdicts', '--manifests', DEMO, '--queries', file]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(`cannot read queries file ${file}: not valid JSON`);
  });

  it('a queries file that is not an array: exit 2', async () => {
    const file = writeTemp('object.json', '{"from": "a/b"}');
    const { code, err } = await run(['verdicts', '--manifests', DEMO, '--queries', file]);
    expect(code).toBe(2);
    expect(err).toContain('must hold a JSON array');
  });

  it('a missing option or a bad engine: usage, exit 2', async () => {
    expect((await run(['verdicts', '--manifests', DEMO])).code).toBe(2);
    const bad = await run(['verdicts', '--manifests', DEMO, '--queries', 'x.json', '--engine', 'calico']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--engine must be kubernetes or cilium');
  });

  it('--help prints the usage', async () => {
    const { code, out } = await run(['verdicts', '--help']);
    expect(code).toBe(0);
    expect(out).toContain('Usage: cni-lens verdicts --manifests PATH --queries FILE');
  });
});
