/**
 * "Open YAML" for an object of the diagram: for a snapshot, the file it was read from at its line;
 * otherwise the extension's read-only object document (`objectDocumentUri`: the object from the API
 * server for a live cluster, else the store's model of it, which its first line says).
 */
import { stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import type { Provenance } from '../../core/model';
import type { ClusterSession } from '../../core/sources/clusterSession';
import { STORE_KINDS, type StoreKind } from '../../core/store/clusterStore';
import { objectDocumentUri } from '../objectDocuments';

/** The file a snapshot object came from, when it is inside the snapshot. */
async function snapshotFile(session: ClusterSession, origin: Provenance | undefined): Promise<string | undefined> {
  if (session.target.kind !== 'snapshot' || origin?.source !== 'snapshot' || !origin.file || origin.file.includes(',')) return undefined;
  const root = nodePath.resolve(session.target.path);
  try {
    if ((await stat(root)).isFile()) return nodePath.basename(root) === origin.file ? root : undefined;
  } catch {
    return undefined;
  }
  const file = nodePath.resolve(root, origin.file);
  return file.startsWith(root + nodePath.sep) ? file : undefined;
}

export async function openObjectYaml(session: ClusterSession, kind: string, key: string): Promise<void> {
  if (!(STORE_KINDS as readonly string[]).includes(kind)) return;
  const object = session.store.get(kind as StoreKind, key) as { origin?: Provenance } | undefined;
  if (!object) {
    void vscode.window.showWarningMessage(`CNI Lens: ${kind} ${key} is no longer in the store.`);
    return;
  }
  const file = await snapshotFile(session, object.origin);
  if (file) {
    const line = Math.max(0, (object.origin?.line ?? 1) - 1);
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Range(line, 0, line, 0) });
    return;
  }
  const doc = await vscode.workspace.openTextDocument(objectDocumentUri(kind, key));
  await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}
