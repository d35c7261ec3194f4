import * as vscode from 'vscode';
import type { HoverDocumentCache } from '../core/hover/hoverDocumentCache';
import type { ClusterStore } from '../core/store/clusterStore';
import type { ConnectionManager } from './connectionManager';
import type { ExtensionLog } from './extensionLog';
import { runtime } from './runtime';

/** The only command links a hover may carry (arguments are validated by the core). */
const HOVER_COMMANDS = ['cniLens.showPathDiagram', 'cniLens.trace.fromPod'];

/**
 * Adds a CNI Lens section to hovers on Kubernetes YAML (other extensions' hovers stay). Facts come
 * from the connected cluster or snapshot; when nothing is connected, from the manifests of the
 * file itself. The logic is core's `manifestHover`; this only adapts it.
 */
export function registerManifestHover(connections: ConnectionManager, log: ExtensionLog): vscode.Disposable {
  const caches = new Map<string, HoverDocumentCache>();
  const prepared = new WeakSet<ClusterStore>();
  const offline = new Map<string, { version: number; store: ClusterStore }>();

  async function storeFor(document: vscode.TextDocument): Promise<{ store: ClusterStore; label: string } | undefined> {
    const session = connections.current;
    if (session && session.state.phase !== 'error') {
      return { store: session.store, label: session.target.kind === 'snapshot' ? `snapshot ${session.label}` : `live cluster ${session.label}` };
    }
    if (document.uri.scheme !== 'file') return undefined;
    const key = document.uri.toString();
    let entry = offline.get(key);
    if (!entry || entry.version !== document.version) {
      try {
        const loaded = await runtime().loadSnapshotStore(document.uri.fsPath);
        entry = { version: document.version, store: loaded.store };
      } catch (err) {
        // the file went away or cannot be read: no hover, never an error out of the provider
        log.warn(`hover in ${document.uri.fsPath}: cannot read the file's manifests: ${(err as Error)?.message ?? String(err)}`);
        return undefined;
      }
      offline.set(key, entry);
    }
    return { store: entry.store, label: 'manifests in this file (no cluster connected)' };
  }

  const provider = vscode.languages.registerHoverProvider([{ language: 'yaml' }], {
    async provideHover(document, position) {
      const text = document.getText();
      if (!/^\s*kind\s*:/m.test(text) || !/^\s*apiVersion\s*:/m.test(text)) return undefined;
      const source = await storeFor(document);
      if (!source) return undefined;
      const rt = runtime();
      if (!prepared.has(source.store)) {
        rt.prepareManifestHover(source.store);
        prepared.add(source.store);
      }
      const key = document.uri.toString();
      let cache = caches.get(key);
      if (!cache) {
        cache = new rt.HoverDocumentCache();
        caches.set(key, cache);
      }
      const result = rt.manifestHover(text, document.offsetAt(position), {
        store: source.store,
        sourceLabel: source.label,
        cache,
        version: document.version,
        onError: (err) => log.warn(`hover in ${document.uri.fsPath}: ${(err as Error)?.message ?? String(err)}`),
      });
      if (!result) return undefined;
      const markdown = new vscode.MarkdownString(result.markdown);
      markdown.isTrusted = { enabledCommands: HOVER_COMMANDS };
      markdown.supportHtml = false;
      return new vscode.Hover(markdown, new vscode.Range(document.positionAt(result.range.start), document.positionAt(result.range.end)));
    },
  });
  const closed = vscode.workspace.onDidCloseTextDocument((d) => {
    caches.delete(d.uri.toString());
    offline.delete(d.uri.toString());
  });
  return vscode.Disposable.from(provider, closed);
}
