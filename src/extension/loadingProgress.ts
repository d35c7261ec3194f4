import * as vscode from 'vscode';
import { describeLoading } from '../core/sources/describeLoading';
import type { ClusterSession } from '../core/sources/clusterSession';
import type { ConnectionManager } from './connectionManager';

/**
 * While a session loads, a progress bar on each CNI Lens view and a status bar progress that
 * names what is still being read (`listing pods, nodes · reading EC2`). Nothing waits on it: the
 * views fill as objects arrive.
 */
export function registerLoadingProgress(connections: ConnectionManager, viewIds: readonly string[]): vscode.Disposable {
  let followed: ClusterSession | undefined;
  let subscription: { dispose(): void } | undefined;
  let active: { report(message: string): void; finish(): void } | undefined;

  const update = (loading: readonly string[]) => {
    if (loading.length === 0) {
      active?.finish();
      active = undefined;
      return;
    }
    active ??= start();
    active.report(describeLoading(loading));
  };

  const follow = () => {
    const session = connections.current;
    if (session === followed) return;
    subscription?.dispose();
    active?.finish();
    active = undefined;
    followed = session;
    subscription = session?.onLoading(update);
    if (session) update(session.loading);
  };

  const start = () => {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    let windowProgress: vscode.Progress<{ message?: string }> | undefined;
    let last = '';
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'CNI Lens' }, (progress) => {
      windowProgress = progress;
      if (last) progress.report({ message: last });
      return done;
    });
    for (const viewId of viewIds) void vscode.window.withProgress({ location: { viewId } }, () => done);
    return {
      report: (message: string) => {
        last = message;
        windowProgress?.report({ message });
      },
      finish,
    };
  };

  follow();
  const connectionSubscription = connections.onDidChange(follow);
  return new vscode.Disposable(() => {
    connectionSubscription.dispose();
    subscription?.dispose();
    active?.finish();
  });
}
