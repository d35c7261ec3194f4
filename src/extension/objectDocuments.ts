import * as vscode from 'vscode';
import type { ConnectionManager } from './connectionManager';
import { runtime } from './runtime';

const SCHEME = 'cnilens-object';

/** `cnilens-object:/pod/shop/web-1.yaml`: a read-only document of one object. */
export function objectDocumentUri(kind: string, key: string): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: `/${kind}/${key}.yaml` });
}

/** Serves read-only documents of cluster objects (never written back: CNI Lens is read-only). */
export function registerObjectDocuments(connections: ConnectionManager): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
    async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
      const session = connections.current;
      const m = /^\/([A-Za-z]+)\/(.+)\.yaml$/.exec(uri.path);
      if (!session || !m?.[1] || !m[2]) return '# no cluster is connected\n';
      return runtime().objectYaml(session, m[1], m[2]);
    },
  });
}
