/**
 * Markdown built from cluster strings: the trace report as "Copy as Markdown" writes it, with a
 * pod, its labels and the deciding policy named with link, HTML, autolink and backtick payloads.
 * Nothing but the rule links the caller builds from a manifest path may be a link, and the
 * payloads read back as text.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { traceDatapath } from '../../src/core/analysis/datapath/traceDatapath';
import type { DatapathTrace } from '../../src/core/analysis/datapath/datapathTypes';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import { tracePolicyEvaluator } from '../../src/core/analysis/tracePolicyEvaluator';
import type { PodInfo } from '../../src/core/model';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import { reportMarkdown } from '../../src/extension/reports/reportMarkdown';
import { traceReportModel } from '../../src/extension/reports/traceReportModel';
import { addObjects } from '../fixtures/policy/policyFixture';

const DEMO = join(__dirname, '..', '..', 'demo', 'snapshot');

const LINK = '[x](command:workbench.action.terminal.new)';
const ANCHOR = '<a href="https://evil.example/">x</a>';
const IMG = '<img src=x onerror=alert(1)>';
const AUTOLINK = 'https://evil.example/steal www.evil.example';
const TICKS = '``` `code` ```';

/** Markdown with every backslash escape removed: what a reader sees. */
function plain(md: string): string {
  return md.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** A link or image whose target is not a `file:` URI, raw HTML, a bare URL (GFM autolink) or an inline code span. */
function unsafe(md: string): string[] {
  const found: string[] = [];
  for (const m of md.matchAll(/(?<!\\)\]\(([^)]*)\)/g)) if (!(m[1] ?? '').startsWith('file://')) found.push(`link ${m[0]}`);
  for (const m of md.matchAll(/(?<!\\)<[a-z/!]/gi)) found.push(`html at ${m.index}`);
  for (const m of md.matchAll(/(?<![\\/])(?:https?|ftp):\/\/|(?<!\\)www\./gi)) found.push(`autolink at ${m.index}: ${md.slice(m.index, (m.index ?? 0) + 30)}`);
  for (const m of md.matchAll(/(?<!\\)`/g)) found.push(`code span at ${m.index}`);
  return found;
}

let trace: DatapathTrace;

beforeAll(async () => {
  const { store } = await loadSnapshotStore(DEMO);
  const cart = [...store.list('pod')].find((p) => p.namespace === 'shop' && p.name.startsWith('cart-')) as PodInfo;
  store.upsert('pod', { ...cart, name: `${IMG}${LINK}`, uid: 'hostile', ip: '100.64.250.7', ips: ['100.64.250.7'], labels: { ...cart.labels, note: `${ANCHOR} ${AUTOLINK}` } });
  addObjects(store, [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${LINK} ${ANCHOR} ${TICKS} ${AUTOLINK}`, namespace: 'payments' },
      spec: { podSelector: {}, ingress: [{}] },
    },
  ]);
  const engine = new PolicyEngine(store, { engine: 'kubernetes' });
  try {
    const result = traceDatapath(store, { from: 'ip:100.64.250.7', to: 'svc:payments/api' }, { policyEvaluator: tracePolicyEvaluator(engine) });
    if (!result.ok) throw new Error(result.error.message);
    trace = result.trace;
  } finally {
    engine.dispose();
  }
});

describe('trace report Markdown', () => {
  it('keeps hostile pod and policy names as text: no foreign link, HTML, autolink or code span', () => {
    const md = reportMarkdown(traceReportModel(trace, `snapshot ${ANCHOR}`).report);
    expect(unsafe(md)).toEqual([]);
    const text = plain(md);
    expect(text).toContain(`${IMG}${LINK}`);
    expect(text).toContain(`NetworkPolicy payments/${LINK} ${ANCHOR} ${TICKS} ${AUTOLINK}`);
    expect(text).toContain(`Source: snapshot ${ANCHOR}`);
  });

  it('links a deciding rule only to a file: URI without link syntax in it', () => {
    const links = [
      (): string => 'file:///snapshots/demo/kubernetes/policies.yaml#L12',
      (): string => 'javascript:alert(1)',
      (): string => 'command:workbench.action.terminal.new',
      (): string => 'file:///x) [y](command:workbench.action.terminal.new',
    ];
    const { report } = traceReportModel(trace, 'snapshot');
    const reports = links.map((link) => reportMarkdown(report, link));
    expect(reports[0]).toMatch(/\]\(file:\/\/\/snapshots\/demo\/kubernetes\/policies\.yaml#L12\)/);
    for (const md of reports) expect(unsafe(md)).toEqual([]);
    for (const md of reports.slice(1)) expect(md).not.toMatch(/\]\((?!file:\/\/\/snapshots)/);
  });
});
