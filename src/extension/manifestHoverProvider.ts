import * as vscode from 'vscode';
import type { HoverDocumentCache } from '../core/hover/hoverDocumentCache';
import type { ClusterStore } from '../core/store/clusterStore';
import type { ConnectionManager } from './connectionManager';
import type { ExtensionLog } from './extensionLog';
import { runtime } from './runtime';
import { WorkspaceManifests } from './workspaceManifests';

/** The only command links a hover may carry (arguments are validated by the core). */
const HOVER_COMMANDS = ['cniLens.showPathDiagram', 'cniLens.trace.fromPod'];

/**
 * Adds a CNI Lens section to hovers on Kubernetes YAML (other extensions' hovers stay). Facts come
 * from the connected cluster or snapshot; when nothing is connected, from the workspace's manifests
 * (`WorkspaceManifests`). The logic is core's `manifestHover`; this only adapts it.
 */
export function registerManifestHover(connections: ConnectionManager, log: ExtensionLog): vscode.Disposable {
  const caches = new Map<string, HoverDocumentCache>();
  const prepared = new WeakSet<ClusterStore>();
  const workspace = new WorkspaceManifests(log);

  async function storeFor(document: vscode.TextDocument): Promise<{ store: ClusterStore; label: string } | undefined> {
    const session = connections.current;
    if (session && session.state.phase !== 'error') {
      return { store: session.store, label: session.target.kind === 'snapshot' ? `snapshot ${session.label}` : `live cluster ${session.label}` };
    }
    if (document.uri.scheme !== 'file') return undefined;
    return workspace.facts(document.uri.fsPath);
  }

  /**
   * Builds the hover indexes of a store in steps (a turn of the event loop each) while the user
   * looks at a manifest, not on the first hover's path: at 5,000 nodes they take about a second.
   * A hover that comes first builds only what it reads, at once.
   */
  function prepare(store: ClusterStore): void {
    if (prepared.has(store)) return;
    prepared.add(store);
    runtime().prepareManifestHoverInSteps(store).catch((err: unknown) => {
      log.warn(`hover: cannot prepare the indexes: ${(err as Error).message}`);
    });
  }
  let prepareTimer: NodeJS.Timeout | undefined;
  function prepareSoon(): void {
    const session = connections.current;
    if (prepareTimer || !session || session.state.phase === 'connecting' || session.state.phase === 'error' || prepared.has(session.store)) return;
    if (!vscode.window.visibleTextEditors.some((e) => e.document.languageId === 'yaml')) return;
    prepareTimer = setTimeout(() => {
      prepareTimer = undefined;
      const current = connections.current;
      if (current) prepare(current.store);
    }, 300);
  }
  const preparers = [vscode.window.onDidChangeVisibleTextEditors(prepareSoon), connections.onDidChange(prepareSoon)];

  const provider = vscode.languages.registerHoverProvider([{ language: 'yaml' }], {
    async provideHover(document, position) {
      const text = document.getText();
      if (!/^\s*kind\s*:/m.test(text) || !/^\s*apiVersion\s*:/m.test(text)) return undefined;
      const source = await storeFor(document);
      if (!source) return undefined;
      const rt = runtime();
      prepare(source.store);
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
  });
  return vscode.Disposable.from(provider, closed, workspace, ...preparers, { dispose: () => clearTimeout(prepareTimer) });
}
