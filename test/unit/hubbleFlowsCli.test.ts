/**
 * `cni-lens flows --snapshot` in-process on the demo snapshot: text and JSON output, filters,
 * --last/--first, --since relative to the snapshot's newest flow, bad arguments, a snapshot without
 * flows, and bad lines reported without stopping the rest.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cliCommand';
import { runCli } from '../../src/cli/main';

const DEMO = path.join(__dirname, '..', '..', 'demo', 'snapshot');
const LINES = fs
  .readFileSync(path.join(DEMO, 'hubble', 'flows.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { flow: { uuid: string; verdict: string; time: string; source?: { namespace?: string } } });

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t) };
  const code = await runCli(args, io, new AbortController().signal);
  return { code, out, err };
}

function lines(text: string): string[] {
  return text.split('\n').filter(Boolean);
}

describe('cni-lens flows --snapshot', () => {
  it('prints every flow, one line each, in time order', async () => {
    const { code, out } = await run(['flows', '--snapshot', DEMO]);
    expect(code).toBe(0);
    expect(lines(out)).toHaveLength(LINES.length);
    expect(lines(out)[0]).toBe(
      '2026-11-20T09:12:03.410Z shop/frontend-5bbc558bcd-vkbwc:52587 -> kube-system/coredns-6957d88c7b-65tgt:53 (svc kube-system/kube-dns) UDP FORWARDED EGRESS to-stack',
    );
  });

  it('--verdict DROPPED shows the drops with reasons and policies', async () => {
    const { code, out } = await run(['flows', '--snapshot', DEMO, '--verdict', 'dropped']);
    expect(code).toBe(0);
    const got = lines(out);
    expect(got).toHaveLength(LINES.filter((l) => l.flow.verdict === 'DROPPED').length);
    expect(got).toContain('2026-11-20T09:13:14.300Z shop/cart-78d4d6b5d-n4pww:39460 -> payments/api-f959c8b7-z9s4b:8443 TCP SYN DROPPED POLICY_DENIED INGRESS drop');
    expect(got.filter((l) => l.includes('POLICY_DENY ')).every((l) => l.includes('-> 169.254.169.254:80 (world)') && l.endsWith('denied-by deny-imds'))).toBe(true);
  });

  it('--json prints GetFlowsResponse lines that read back as the same flows', async () => {
    const { out } = await run(['flows', '--snapshot', DEMO, '--json', '--from', 'data/', '--to', 'ip:169.254.169.254/32']);
    const parsed = lines(out).map((l) => JSON.parse(l) as { flow: { uuid: string }; node_name: string; time: string });
    const expected = LINES.filter((l) => l.flow.source?.namespace === 'data' && (l.flow as { IP?: { destination?: string } }).IP?.destination === '169.254.169.254');
    expect(parsed.map((p) => p.flow.uuid)).toEqual(expected.map((l) => l.flow.uuid));
    expect(parsed[0]).toEqual({ ...expected[0], flow: { ...expected[0]!.flow, time: '2026-11-20T09:13:39.480Z' }, time: '2026-11-20T09:13:39.480Z' });
  });

  it('--last, --first and --since (relative to the newest flow)', async () => {
    const last = lines((await run(['flows', '--snapshot', DEMO, '--last', '2', '--json'])).out).map((l) => (JSON.parse(l) as { flow: { uuid: string } }).flow.uuid);
    expect(last).toEqual(LINES.slice(-2).map((l) => l.flow.uuid));
    const first = lines((await run(['flows', '--snapshot', DEMO, '--first', '1', '--json'])).out).map((l) => (JSON.parse(l) as { flow: { uuid: string } }).flow.uuid);
    expect(first).toEqual([LINES[0]!.flow.uuid]);
    const since = lines((await run(['flows', '--snapshot', DEMO, '--since', '10s'])).out);
    // the newest flow is at 09:14:22.250: 10 s back is 09:14:12.250
    expect(since.every((l) => l >= '2026-11-20T09:14:12.250Z')).toBe(true);
    expect(since.length).toBeGreaterThan(0);
    expect(since.length).toBeLessThan(LINES.length);
  });

  it('rejects bad arguments with usage (exit 2)', async () => {
    for (const args of [
      ['flows'],
      ['flows', '--snapshot', DEMO, '--follow'],
      ['flows', '--snapshot', DEMO, '--from', 'frontend'],
      ['flows', '--snapshot', DEMO, '--to', 'ip:10.0.0.0/40'],
      ['flows', '--snapshot', DEMO, '--verdict', 'maybe'],
      ['flows', '--snapshot', DEMO, '--since', 'yesterday'],
      ['flows', '--snapshot', DEMO, '--last', '2', '--first', '2'],
    ]) {
      const { code, err } = await run(args);
      expect(code, args.join(' ')).toBe(2);
      expect(err).toContain('Usage: cni-lens flows');
    }
  });

  it('a snapshot without flows, and bad lines next to good ones', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-lens-flows-'));
    tempDirs.push(dir);
    fs.mkdirSync(path.join(dir, 'hubble'));
    const empty = await run(['flows', '--snapshot', dir]);
    expect(empty.code).toBe(0);
    expect(empty.err).toContain('No Hubble flows');

    fs.writeFileSync(
      path.join(dir, 'hubble', 'flows.jsonl'),
      [JSON.stringify(LINES[0]), '{"flow":{"time":"later"}}', JSON.stringify(LINES[1]!.flow), '{"node_status":{"state_change":"NODE_CONNECTED"}}'].join('\n') + '\n',
    );
    const mixed = await run(['flows', '--snapshot', dir, '--json']);
    expect(mixed.code).toBe(0);
    expect(lines(mixed.out).map((l) => (JSON.parse(l) as { flow: { uuid: string } }).flow.uuid)).toEqual([LINES[0]!.flow.uuid, LINES[1]!.flow.uuid]);
    expect(mixed.err).toContain('hubble/flows.jsonl:2: response.flow.time: not an RFC 3339 time: "later"');
    expect(mixed.err).not.toContain('node_status');
  });
});
