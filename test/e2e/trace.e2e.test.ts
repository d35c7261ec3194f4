/**
 * Traces from the command palette on the demo cluster, in a real VS Code: the demo's denied flow
 * (shop/cart → payments/api) names the policy that isolates payments/api, and the allowed flow from
 * checkout names the allowing rule and the backend Cilium translated the ClusterIP to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import { expectPoll, openView, pickQuickItem, quickInputTitle, runCommand, screenshot, statusBarText, typeAndPick, webviewFrameWith } from './harness/workbench';

const missing = missingForE2e();

describe.skipIf(missing.length > 0 && !isCi)('traces from the command palette', () => {
  let session: VscodeSession;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
    session = await launchVscode({ label: 'trace', extension: 'dev' });
    await openView(session.page, 'CNI Lens');
    await statusBarText(session.page, /shop-prod.*connected/, 60_000);
  });

  afterAll(async () => {
    await session?.close();
  });

  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  async function traceToService(fromPod: string, service: string): Promise<string> {
    // no report of an earlier trace stays open to be read instead of this one
    await runCommand(session.page, 'View: Close All Editors');
    await runCommand(session.page, 'CNI Lens: Trace Pod to Service');
    await quickInputTitle(session.page, /Trace Pod to Service: source/);
    await typeAndPick(session.page, fromPod, new RegExp(`^${escape(fromPod)}-`));
    // each step's title names what was picked before: a pick that landed on another row fails here
    await quickInputTitle(session.page, new RegExp(`Trace ${escape(fromPod)}-\\S+ to service`));
    await typeAndPick(session.page, service, service);
    await quickInputTitle(session.page, new RegExp(`→ ${escape(service)}: port`));
    await pickQuickItem(session.page, /^TCP 443/);
    // the report opens in a webview (the path diagram opens beside it); its heading names the verdict and the source pod
    const report = (await webviewFrameWith(session.page, 'div.report h1', 60_000)).locator('body');
    return expectPoll(async () => (await report.innerText().catch(() => '')).replace(/\s+/g, ' '), (t) => /(ALLOW|DENY)/.test(t) && t.includes(fromPod), 'the trace report', 60_000);
  }

  it('a denied flow: cart → payments/api is denied by the policies that isolate payments/api', async () => {
    const text = await traceToService('shop/cart', 'payments/api');
    expect(text).toContain('DENY');
    expect(text).toContain('default-deny-ingress');
    await screenshot(session.page, 'trace-deny.png');
    // "Copy as Markdown": the clipboard holds the same verdict and rules, as Markdown
    const report = await webviewFrameWith(session.page, 'div.report h1');
    await session.page.evaluate(() => navigator.clipboard.writeText(''));
    await report.locator('.toolbar button', { hasText: 'Copy as Markdown' }).click();
    const pasted = await expectPoll(() => session.page.evaluate(() => navigator.clipboard.readText()), (t) => t.includes('DENY'), 'the trace on the clipboard');
    // what a reader sees: the Markdown without its backslash escapes
    const read = pasted.replace(/\\([!-/:-@[-`{-~])/g, '$1');
    expect(read).toMatch(/^# DENY: shop\/cart/);
    expect(pasted).toContain('default\\-deny\\-ingress');
    expect(pasted).toContain('## Hops');
    // denied at the destination's ingress: the delivery into the pod is not reached
    expect(read).toMatch(/\n {3,4}- the packet stops here: ingress policy denies/);
    expect(read).toMatch(/\n {3,4}- not reached: the packet stops before this hop/);
  });

  it('an allowed flow through a service: checkout → payments/api names the backend, who translated, and the allowing rule', async () => {
    const text = await traceToService('shop/checkout', 'payments/api');
    expect(text).toContain('ALLOW');
    expect(text).toMatch(/allow-checkout-to-api/);
    expect(text).toMatch(/Service payments\/api 172\.20\.\d+\.\d+:443 → backend payments\/api-[a-z0-9-]+ \(100\.64\.\d+\.\d+:8443\), translated by cilium per packet/);
    await screenshot(session.page, 'trace-allow-service.png');
  });
});
