/**
 * `cni-lens diagram` in process on the demo snapshot: a standalone SVG (well-formed XML, the pod's
 * name, the lanes, the fixed palette's embedded style, no script, no event handler attribute).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../cliRun';

const DEMO = join(__dirname, '..', '..', 'demo', 'snapshot');
const dir = mkdtempSync(join(tmpdir(), 'cni-lens-diagram-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCliCaptured(['diagram', ...args]);
}

/**
 * A strict XML well-formedness check: one root, balanced and properly nested tags, quoted unique
 * attributes, known entity references only, nothing outside the root but the XML declaration.
 */
function wellFormedXml(xml: string): { ok: true; root: string; elements: string[] } | { ok: false; error: string } {
  const elements: string[] = [];
  const stack: string[] = [];
  let root = '';
  let i = 0;
  const text = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const entityOk = (s: string) => /^([^&]|&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)*$/.test(s);
  while (i < text.length) {
    if (text[i] !== '<') {
      const next = text.indexOf('<', i);
      const chunk = text.slice(i, next < 0 ? text.length : next);
      if (stack.length === 0 && chunk.trim() !== '') return { ok: false, error: `text outside the root: ${chunk.slice(0, 40)}` };
      if (!entityOk(chunk)) return { ok: false, error: `bad entity in ${chunk.slice(0, 40)}` };
      i = next < 0 ? text.length : next;
      continue;
    }
    const end = text.indexOf('>', i);
    if (end < 0) return { ok: false, error: 'unterminated tag' };
    const tag = text.slice(i + 1, end);
    i = end + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) return { ok: false, error: `mismatched </${name}>` };
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const m = /^([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"<]*")*)\s*\/?$/.exec(tag);
    if (!m) return { ok: false, error: `malformed tag <${tag.slice(0, 60)}>` };
    const name = m[1] as string;
    const attrs = [...(m[2] ?? '').matchAll(/([A-Za-z_][\w:.-]*)="([^"]*)"/g)];
    const names = attrs.map((a) => a[1]);
    if (new Set(names).size !== names.length) return { ok: false, error: `duplicate attribute in <${name}>` };
    if (!attrs.every((a) => entityOk(a[2] ?? ''))) return { ok: false, error: `bad entity in an attribute of <${name}>` };
    if (stack.length === 0) {
      if (root) return { ok: false, error: 'two roots' };
      root = name;
    }
    elements.push(name);
    if (!selfClosing) stack.push(name);
  }
  if (stack.length > 0) return { ok: false, error: `unclosed <${stack.join('><')}>` };
  return { ok: true, root, elements };
}

describe('cni-lens diagram on the demo snapshot', () => {
  it('writes the overview of a pod as a standalone SVG', async () => {
    const out = join(dir, 'overview.svg');
    const r = await cli('--snapshot', DEMO, '--pod', 'shop/frontend-5bbc558bcd-2vxgb', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`wrote ${out}: 30 boxes, 8 paths`);
    const svg = readFileSync(out, 'utf8');
    const xml = wellFormedXml(svg);
    expect(xml).toMatchObject({ ok: true, root: 'svg' });
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('frontend-5bbc558bcd-2vxgb');
    expect(svg).toMatch(/CNI Lens · Paths of shop\/frontend-5bbc558bcd-2vxgb/);
    expect(svg).toMatch(/pod shop\/frontend-5bbc558bcd-2vxgb · snapshot .* · policy engine cilium · \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    for (const lane of ['Pod netns', 'Cilium eBPF', 'Host routing (VPC CNI)', 'ENI', 'VPC', 'Destinations']) expect(svg).toContain(`>${lane}</text>`);
    expect(svg).toContain('<style>');
    expect(svg).toContain('#1f6feb');
    expect(svg).not.toMatch(/<script/i);
    expect(svg).not.toMatch(/\son[a-z]+="/i);
    expect(svg).not.toContain('var(--vscode');
    expect(svg).not.toContain('<foreignObject');
    if (xml.ok) expect(xml.elements.filter((e) => e === 'g').length).toBeGreaterThan(30);
  });

  it('writes one path with --to, with the deny badge at the api pod\'s ingress', async () => {
    const out = join(dir, 'path.svg');
    const r = await cli('--snapshot', DEMO, '--pod', 'shop/cart-78d4d6b5d-n4pww', '--to', 'svc:payments/api', '--out', out);
    expect(r.code, r.err).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(wellFormedXml(svg)).toMatchObject({ ok: true });
    expect(svg).toContain('ingress ✕ deny');
    expect(svg).toContain('egress ✓ allow');
    expect(svg).toContain('>cart-78d4d6b5d-n4pww</text>');
    expect(svg).toContain('CNI Lens · shop/cart-78d4d6b5d-n4pww → Service payments/api → payments/api-f959c8b7-gqnkl TCP/8443');
    expect(svg).not.toContain('>Destinations</text>');
  });

  it('writes to standard output with --out -', async () => {
    const r = await cli('--snapshot', DEMO, '--pod', 'shop/cart', '--to', 'ip:203.0.113.10', '--port', '443', '--out', '-');
    expect(r.code, r.err).toBe(0);
    expect(wellFormedXml(r.out)).toMatchObject({ ok: true, root: 'svg' });
    expect(r.out).toContain('nat-027a601d574f92ed8');
    expect(r.err).toContain('note: "shop/cart" matches 2 pods');
  });

  it('exits 2 on bad arguments', async () => {
    expect((await cli('--snapshot', DEMO, '--pod', 'shop/nope', '--out', join(dir, 'x.svg'))).code).toBe(2);
    expect((await cli('--snapshot', DEMO, '--pod', 'shop/cart', '--to', 'ip:nope', '--out', join(dir, 'x.svg'))).code).toBe(2);
    expect((await cli('--snapshot', DEMO, '--pod', 'shop/cart', '--port', '80', '--out', join(dir, 'x.svg'))).code).toBe(2);
    expect((await cli('--snapshot', DEMO, '--pod', 'shop/cart')).code).toBe(2);
    expect((await cli('--pod', 'shop/cart', '--out', join(dir, 'x.svg'))).code).toBe(2);
  });
});
