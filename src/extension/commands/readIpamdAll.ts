import * as vscode from 'vscode';
import type { ExtensionServices } from './extensionServices';
import { requireSession } from './traceCommands';

/**
 * "CNI Lens: Read ipamd of every node": reads ipamd of the nodes not read yet (and those whose read
 * failed) with a cancellable progress; a large cluster reads only the nodes someone looks at.
 */
export async function readIpamdAll(services: ExtensionServices): Promise<void> {
  const session = await requireSession(services);
  if (!session) return;
  const ipamd = session.ipamd;
  if (!ipamd) {
    const why = session.target.kind === 'snapshot' ? 'a snapshot has the ipamd files it was collected with' : (session.sources.find((s) => s.name === 'ipamd')?.detail ?? 'ipamd is not read for this cluster');
    void vscode.window.showInformationMessage(`CNI Lens: ipamd cannot be read for ${session.describe()}: ${why}.`);
    return;
  }
  const nodes = [...session.store.keys('node')];
  const todo = nodes.filter((n) => ipamd.needsRead(n, true));
  if (todo.length === 0) {
    void vscode.window.showInformationMessage(`CNI Lens: ipamd of all ${nodes.length} nodes was read already.`);
    return;
  }
  services.log.info(`reading ipamd of ${todo.length} of ${nodes.length} nodes`);
  const started = Date.now();
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `CNI Lens: reading ipamd of ${todo.length} nodes`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort(new Error('cancelled')));
      let done = 0;
      let failed = 0;
      try {
        await ipamd.read(todo, {
          signal: controller.signal,
          retryFailed: true,
          onNode: (_node, state) => {
            done++;
            if (state.state === 'failed') failed++;
            progress.report({ increment: 100 / todo.length, message: `${done} of ${todo.length}${failed ? `, ${failed} failed` : ''}` });
          },
        });
      } finally {
        cancel.dispose();
      }
      return { done, failed, cancelled: controller.signal.aborted };
    },
  );
  const took = Math.round((Date.now() - started) / 100) / 10;
  const summary = `ipamd of ${outcome.done - outcome.failed} of ${todo.length} nodes read in ${took} s${outcome.failed ? `, ${outcome.failed} failed (see the ipamd row of the Nodes view)` : ''}${outcome.cancelled ? '; cancelled' : ''}`;
  services.log.info(summary);
  if (outcome.failed) void vscode.window.showWarningMessage(`CNI Lens: ${summary}.`);
}
