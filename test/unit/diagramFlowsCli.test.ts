/**
 * `cni-lens diagram --flows` in process on the demo snapshot: the exported SVG carries the flow
 * overlay (the demo's drop on its edge with the counts of hubble/flows.jsonl, the legend line), and
 * a snapshot without flows gets a plain diagram with a note saying why.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../cliRun';

const DEMO = join(__dirname, '..', '..', 'demo', 'snapshot');
const dir = mkdtempSync(join(tmpdir(), 'cni-lens-diagram-flows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCliCaptured(['diagram', ...args]);
}

interface RawFlow {
  verdict?: string;
  is_reply?: boolean;
  IP?: { source?: string };
  destination?: { namespace?: string; labels?: string[] };
}
const toApi = readFileSync(join(DEMO, 'hubble', 'flows.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { flow: RawFlow }).flow)
  .filter((f) => f.IP?.source === '100.64.95.78' && f.destination?.namespace === 'payments' && f.destination.labels?.includes('k8s:app=api') && f.is_reply !== true);

describe('cni-lens diagram --flows', () => {
  it('draws the demo drop of shop/cart on its edge, with the counts of the snapshot\'s flows and the legend line', async () => {
    const r = await cli('--snapshot', DEMO, '--pod', 'shop/cart-78d4d6b5d-n4pww', '--flows', '--out', '-');
    expect(r.code, r.err).toBe(0);
    const forwarded = toApi.filter((f) => f.verdict === 'FORWARDED').length;
    const dropped = toApi.filter((f) => f.verdict === 'DROPPED').length;
    const drop = /<g class="flow-badge flow-badge-drop" data-edge-id="([^"]+)">([\s\S]*?)<\/g>/.exec(r.out);
    expect(drop).not.toBeNull();
    // the text of its counts, tspans joined
    expect(drop![2].replace(/<[^>]+>/g, '')).toContain(`✓ ${forwarded}  ✗ ${dropped}`);
    expect(drop![1]).toMatch(/-n-cilium_ingress_ip-10-0-41-203/);
    expect(r.out).toContain('Hubble flows in the last 5 min, as of 09:13:17 UTC');
    expect(r.err).toMatch(/^flows: Hubble flows in the last 5 min/m);
  });

  it('without flows in the snapshot: the plain diagram, and a note saying why', async () => {
    const copy = join(dir, 'no-flows');
    cpSync(DEMO, copy, { recursive: true });
    rmSync(join(copy, 'hubble'), { recursive: true, force: true });
    const r = await cli('--snapshot', copy, '--pod', 'shop/cart-78d4d6b5d-n4pww', '--flows', '--out', '-');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('<svg');
    expect(r.out).not.toContain('<g class="flow-badge');
    expect(r.out).not.toContain('flow-legend-text"');
    expect(r.err).toContain('note: no flow overlay: no flows: no hubble/*.jsonl in the snapshot');
  });
});
