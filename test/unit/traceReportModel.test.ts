/**
 * The trace report as the report webview draws it: on the demo snapshot, the denied flow shop/cart →
 * payments/api with the snapshot's observed flows. Links are kept by the host (the webview only
 * knows their numbers); the report passes the webview's guard.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { observeTraceFlows } from '../../src/core/analysis/observeTraceFlows';
import { traceDatapath } from '../../src/core/analysis/datapath/traceDatapath';
import { choosePolicyEngine } from '../../src/core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import { fileRuleLocator } from '../../src/core/analysis/policy/ruleLocator';
import { engineResolver } from '../../src/core/analysis/traceObservation';
import { tracePolicyEvaluator } from '../../src/core/analysis/tracePolicyEvaluator';
import { snapshotFlows } from '../../src/core/sources/sessionFlows';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import { reportMarkdown } from '../../src/extension/reports/reportMarkdown';
import { traceReportModel } from '../../src/extension/reports/traceReportModel';
import { ReportShow, type ReportBlock, type ReportSpan } from '../../src/shared/reportProtocol';

const DEMO = resolve(__dirname, '../../demo/snapshot');

const text = (spans: ReportSpan[]) => spans.map((s) => s.text).join('');
function blockText(b: ReportBlock): string[] {
  return 'items' in b ? b.items.map((i) => [text(i.spans), ...(i.sub ?? []).map(text)].join(' | ')) : [text(b.spans)];
}

describe('trace report model', () => {
  it('the demo deny: predicted next to observed on hop 10, rule links with their lines, the hop marked', async () => {
    const loaded = await loadSnapshotStore(DEMO);
    const engine = new PolicyEngine(loaded.store, { engine: choosePolicyEngine(loaded.store).engine, ruleLocator: fileRuleLocator(loaded.raw.root) });
    const r = traceDatapath(loaded.store, { from: 'shop/cart-78d4d6b5d-n4pww', to: 'payments/api-f959c8b7-z9s4b', port: 8443 }, { policyEvaluator: tracePolicyEvaluator(engine) });
    if (!r.ok) throw new Error(r.error.message);
    const observed = await observeTraceFlows(r.trace, snapshotFlows(loaded.raw.hubble), { resolvePolicy: engineResolver(engine, r.trace) });
    engine.dispose();
    const { report, links } = traceReportModel(r.trace, 'snapshot demo', observed);
    expect(ReportShow.is({ type: 'reportShow', report })).toBe(true);
    const all = report.blocks.flatMap(blockText);
    expect(report.title).toBe('DENY: shop/cart-78d4d6b5d-n4pww → payments/api-f959c8b7-z9s4b TCP/8443');
    expect(all).toContain('Predicted: DENY at hop 10 (cilium-ingress)');
    expect(all).toContain('Observed (snapshot hubble/*.jsonl): DROPPED at hop 10 (cilium-ingress) — 7 flows (3 forwarded, 4 dropped)');
    expect(all).toContain('✓ The observed drop is on the hop the trace predicts.');
    expect(all.some((t) => t.startsWith('cilium — cil_to_container') && t.includes('the packet stops here: ingress policy denies | observed: 4 × DROPPED POLICY_DENIED on ip-10-0-57-14.us-west-2.compute.internal'))).toBe(true);
    // the pod is never reached
    expect(all.some((t) => t.startsWith('pod — delivered') && t.includes('not reached'))).toBe(true);
    // every linked span stands for a rule the host opens at its line
    const linked = report.blocks.flatMap((b) => ('items' in b ? b.items.flatMap((i) => [...i.spans, ...(i.sub ?? []).flat()]) : b.spans)).filter((s) => s.link !== undefined);
    expect(linked.length).toBe(links.length);
    expect(linked.map((s) => `${s.text} → ${links[s.link!]!.rule.file}:${links[s.link!]!.rule.line}`)).toEqual(expect.arrayContaining([
      'NetworkPolicy payments/default-deny-ingress spec.podSelector → kubernetes/networkpolicies.yaml:39',
      'NetworkPolicy payments/allow-checkout-to-api spec.podSelector → kubernetes/networkpolicies.yaml:24',
    ]));
    // "Copy as Markdown" holds what the panel shows: predicted next to observed, the drop on its hop, rule links to their lines
    const md = reportMarkdown(report, (i) => `file:///demo/${links[i]!.rule.file}#L${links[i]!.rule.line}`);
    const read = md.replace(/\\([!-/:-@[-`{-~])/g, '$1');
    expect(read).toMatch(/^# DENY: shop\/cart-78d4d6b5d-n4pww → payments\/api-f959c8b7-z9s4b TCP\/8443\n/);
    expect(read).toContain('## Predicted and observed');
    expect(read).toContain('- **Predicted:** DENY at hop 10 (cilium-ingress)');
    expect(read).toContain('✓ The observed drop is on the hop the trace predicts.');
    expect(read).toMatch(/\n10\. \*\*cilium\*\* — cil_to_container.*\n {4}- the packet stops here: ingress policy denies\n {4}- \*\*observed: 4 × DROPPED POLICY_DENIED on ip-10-0-57-14\.us-west-2\.compute\.internal\*\*/);
    expect(md).toContain('](file:///demo/kubernetes/networkpolicies.yaml#L39)');
  });
});

describe('the line of a rule in a read-only policy document', () => {
  // as the object document prints a policy read from the API server: a comment line, then the object
  const DOC = [
    '# networkPolicy CiliumNetworkPolicy/shop/cart-ingress, read from context shop-prod at 2026-11-26T10:00:00.000Z (read-only)',
    'apiVersion: cilium.io/v2',
    'kind: CiliumNetworkPolicy',
    'metadata:',
    '  name: cart-ingress',
    '  namespace: shop',
    'specs:',
    '  - endpointSelector:',
    '      matchLabels:',
    '        app: cart',
    '    ingress:',
    '      - fromEndpoints:',
    '          - matchLabels:',
    '              app: frontend',
    '      - fromEntities:',
    '          - world',
    '    ingressDeny:',
    '      - fromCIDR:',
    '          - 10.0.0.0/8',
    '',
  ].join('\n');

  it('walks the rule path through the YAML, counting the comment line', async () => {
    const { ruleLineInText } = await import('../../src/extension/runtimeEntry');
    expect(ruleLineInText(DOC, 'specs[0].ingress[1].fromEntities[0]')).toBe(16);
    expect(ruleLineInText(DOC, 'specs[0].ingress[0].fromEndpoints[0]')).toBe(13);
    expect(ruleLineInText(DOC, 'specs[0].ingressDeny[0]')).toBe(18);
    expect(ruleLineInText(DOC, 'specs[0].endpointSelector')).toBe(8);
    // a path the document does not have stops at the deepest part it found
    expect(ruleLineInText(DOC, 'specs[0].egress[0]')).toBe(8);
    expect(ruleLineInText('# nothing here\n', 'spec.podSelector')).toBeUndefined();
  });
});
