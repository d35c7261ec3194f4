/**
 * Runs inside VS Code's extension host, against the real `vscode` API. The runner points
 * `cniLens.kubeconfig` (user settings) at the simulated demo cluster, whose kube context is `shop-prod`.
 */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { before, describe, it } from 'mocha';

const EXTENSION_ID = 'cni-lens.cni-lens';
/** The demo snapshot's size (demo/README.md): 7 nodes, 40 pods. */
const DEMO = { context: 'shop-prod', nodes: 7, pods: 40 };

interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
}

interface TestState {
  context?: string;
  state?: string;
  counts?: Record<string, number>;
}

async function poll<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await read();
  }
  return last;
}

describe('CNI Lens in the extension host', () => {
  let extension: vscode.Extension<unknown>;

  before(async () => {
    const found = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(found, `extension ${EXTENSION_ID} is not loaded (loaded: ${vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.')).join(', ')})`);
    extension = found;
    await extension.activate();
  });

  it('activates', () => {
    assert.equal(extension.isActive, true);
  });

  it('registers every command it contributes', async () => {
    const contributed: ContributedCommand[] = extension.packageJSON.contributes?.commands ?? [];
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('contributes every cniLens command it registers (except cniLens.test.*)', async () => {
    const contributes = extension.packageJSON.contributes ?? {};
    const contributed = new Set((contributes.commands ?? []).map((c: ContributedCommand) => c.command));
    // VS Code registers `<view id>.focus`, `.resetViewLocation`, … for every contributed view
    const viewIds: string[] = Object.values(contributes.views ?? {}).flatMap((views) => (views as { id: string }[]).map((v) => v.id));
    const isViewCommand = (id: string): boolean => viewIds.some((v) => id.startsWith(`${v}.`));
    const registered = (await vscode.commands.getCommands(true)).filter((id) => id.startsWith('cniLens.') && !id.startsWith('cniLens.test.') && !isViewCommand(id));
    const extra = registered.filter((id) => !contributed.has(id));
    assert.deepEqual(extra, [], `registered but not contributed: ${extra.join(', ')}`);
  });

  it('gives every contributed command the "CNI Lens" category', () => {
    const contributed: ContributedCommand[] = extension.packageJSON.contributes?.commands ?? [];
    const without = contributed.filter((c) => c.category !== 'CNI Lens').map((c) => c.command);
    assert.deepEqual(without, []);
  });

  it('connects to the cluster of the kubeconfig setting and counts the demo cluster', async () => {
    const kubeconfig = vscode.workspace.getConfiguration('cniLens').get<string>('kubeconfig');
    assert.ok(kubeconfig, `the runner did not set cniLens.kubeconfig (user or machine settings): ${JSON.stringify(vscode.workspace.getConfiguration('cniLens').inspect('kubeconfig'))}`);
    const read = async (): Promise<TestState> => ((await vscode.commands.executeCommand<TestState>('cniLens.test.state')) ?? {});
    const state = await poll(read, (s) => s.state === 'connected' && s.counts?.nodes === DEMO.nodes && s.counts?.pods === DEMO.pods, 45_000);
    assert.equal(state.state, 'connected', `state: ${JSON.stringify(state)}`);
    assert.equal(state.context, DEMO.context);
    assert.equal(state.counts?.nodes, DEMO.nodes);
    assert.equal(state.counts?.pods, DEMO.pods);
  });
});
