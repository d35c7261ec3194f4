import * as vscode from 'vscode';
import type { ClusterStore } from '../core/store/clusterStore';
import type { ExtensionLog } from './extensionLog';
import { runtime } from './runtime';

/** YAML files looked at, at most (a monorepo's manifests; vendored trees are excluded). */
const MAX_FILES = 3000;
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/dist/**,**/out/**,**/.terraform/**,**/vendor/**}';

export interface ManifestFacts {
  store: ClusterStore;
  label: string;
}

/**
 * The Kubernetes manifests of the workspace as one store, for hovers when no cluster or snapshot is
 * connected: a policy in one file and a Deployment in another see each other. Loaded on first use,
 * reloaded (lazily) after a YAML file changes.
 */
export class WorkspaceManifests implements vscode.Disposable {
  private loading: Promise<ManifestFacts | undefined> | undefined;
  private readonly watcher: vscode.FileSystemWatcher;

  constructor(private readonly log: ExtensionLog) {
    this.watcher = vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}');
    const stale = () => {
      this.loading = undefined;
    };
    this.watcher.onDidChange(stale);
    this.watcher.onDidCreate(stale);
    this.watcher.onDidDelete(stale);
  }

  /** The workspace's manifests plus `extraFile` (a file opened from outside the workspace). */
  facts(extraFile?: string): Promise<ManifestFacts | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') return extraFile ? this.load([extraFile], extraFile, 'manifests in this file (no cluster connected)') : Promise.resolve(undefined);
    if (extraFile && !extraFile.startsWith(folder.uri.fsPath)) return this.load([extraFile], extraFile, 'manifests in this file (no cluster connected)');
    this.loading ??= this.loadWorkspace(folder);
    return this.loading;
  }

  private async loadWorkspace(folder: vscode.WorkspaceFolder): Promise<ManifestFacts | undefined> {
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.{yaml,yml}'), EXCLUDE, MAX_FILES);
    const files = uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath);
    const label = `manifests in this workspace (no cluster connected)`;
    const facts = await this.load(files, folder.uri.fsPath, label);
    if (uris.length >= MAX_FILES) this.log.warn(`workspace manifests: looked at the first ${MAX_FILES} YAML files only`);
    return facts;
  }

  private async load(files: string[], root: string, label: string): Promise<ManifestFacts | undefined> {
    try {
      const set = await runtime().loadManifestSet(files, { root });
      for (const s of set.skipped) this.log.warn(`workspace manifests: skipped ${s.file}: ${s.reason}`);
      this.log.info(`workspace manifests: ${set.raw.kubernetes.length} objects from ${set.manifestFiles} of ${files.length} YAML files`);
      return { store: set.store, label };
    } catch (err) {
      this.log.warn(`workspace manifests: cannot load them: ${(err as Error).message}`);
      return undefined;
    }
  }

  dispose(): void {
    this.watcher.dispose();
  }
}
