/**
 * A store made of the Kubernetes manifests of a set of files (a workspace's YAML files): what hovers
 * and traces use when no cluster or snapshot is connected. Files that hold no Kubernetes object
 * (CI workflows, Helm values, compose files) are passed over without a problem unless they do not
 * parse; files too large to be hand-written manifests are skipped and counted.
 */
import { stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { loadSnapshot, SnapshotError } from '../snapshot/loadSnapshot';
import { emptyRawAws, type RawSnapshot } from '../snapshot/rawSnapshot';
import { storeFromRawSnapshot, type SnapshotStore } from './snapshotStore';

export interface ManifestSetOptions {
  /** Origins are written relative to this directory (the workspace folder); rule links resolve against it. */
  root: string;
  /** Files larger than this are skipped (default 10 MB). */
  maxFileBytes?: number;
  signal?: AbortSignal;
}

export interface ManifestSet extends SnapshotStore {
  /** Files that held at least one Kubernetes object. */
  manifestFiles: number;
  /** Files skipped, with why. */
  skipped: Array<{ file: string; reason: string }>;
}

const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

export async function loadManifestSet(files: readonly string[], opts: ManifestSetOptions): Promise<ManifestSet> {
  const root = nodePath.resolve(opts.root);
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const merged: RawSnapshot = { root, kubernetes: [], aws: emptyRawAws(), ipamd: [], hubble: [], problems: [] };
  const skipped: ManifestSet['skipped'] = [];
  let manifestFiles = 0;
  for (const file of [...new Set(files.map((f) => nodePath.resolve(f)))].sort()) {
    opts.signal?.throwIfAborted();
    const name = relativeName(root, file);
    try {
      const size = (await stat(file)).size;
      if (size > maxBytes) {
        skipped.push({ file: name, reason: `${(size / 1024 / 1024).toFixed(1)} MB is over the ${(maxBytes / 1024 / 1024).toFixed(0)} MB limit for a manifest` });
        continue;
      }
      const raw = await loadSnapshot(file, opts.signal ? { signal: opts.signal } : {});
      if (raw.kubernetes.length === 0) {
        // a YAML file that is not a manifest (its documents are skipped with warnings) is no problem;
        // one that does not parse may be a broken manifest: keep its errors
        for (const problem of raw.problems) if (problem.severity === 'error') merged.problems.push({ ...problem, file: name });
        continue;
      }
      manifestFiles++;
      for (const entry of raw.kubernetes) merged.kubernetes.push({ object: entry.object, origin: { ...entry.origin, file: name } });
      for (const problem of raw.problems) merged.problems.push({ ...problem, file: name });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      // a file deleted or unreadable since it was listed
      const code = (err as NodeJS.ErrnoException).code;
      const reason = err instanceof SnapshotError ? err.message : code === 'ENOENT' ? 'the file does not exist (deleted since it was listed)' : code === 'EACCES' ? 'the file cannot be read: permission denied' : (err as Error).message;
      skipped.push({ file: name, reason });
    }
  }
  const loaded = storeFromRawSnapshot(merged);
  const kubernetes = loaded.sources.find((s) => s.name === 'kubernetes');
  if (kubernetes) kubernetes.detail = `${kubernetes.detail} in ${manifestFiles} manifest files`;
  return { ...loaded, manifestFiles, skipped };
}

function relativeName(root: string, file: string): string {
  const rel = nodePath.relative(root, file);
  if (rel === '' || rel.startsWith('..') || nodePath.isAbsolute(rel)) return file;
  return rel.split(nodePath.sep).join('/');
}
