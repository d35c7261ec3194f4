/**
 * What the end-to-end tests need on this machine and where it is: the browser, Node 24 and
 * code-server installed by `scripts/e2e/installVscode.mjs`, the built extension, the packaged
 * `.vsix`. On CI (`CI=true`) something missing is a failure; locally the tests skip with a message.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { e2ePaths, missingPieces, vscodeVersion, codeServerVersion, type E2ePaths } from '../../../scripts/e2e/installVscode.mjs';

export const repoRoot = resolve(__dirname, '..', '..', '..');
/** Screenshots and logs of the e2e runs (git-ignored). */
export const e2eOutputDir = join(repoRoot, '.test-output', 'e2e');
/** Where `npm run package` writes the extension package. */
export const vsixPath = join(repoRoot, '.test-output', 'cni-lens.vsix');
export const demoSnapshotDir = join(repoRoot, 'demo', 'snapshot');
export const isCi = process.env.CI === 'true' || process.env.CI === '1';

export function vscodePaths(): E2ePaths {
  return e2ePaths(repoRoot);
}

/** What these tests need that is not there, as messages (empty when they can run). */
export function missingForE2e(opts: { vsix?: boolean } = {}): string[] {
  const missing = missingPieces(vscodePaths()).map((m) => `${m}: run \`node scripts/e2e/installVscode.mjs\``);
  if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) missing.push('dist/extension.js: run `node scripts/build.mjs`');
  if (opts.vsix && !existsSync(vsixPath)) missing.push(`${vsixPath}: run \`npm run package\``);
  return missing;
}

let versionLogged = false;
/** Prints, once per process, which VS Code the tests run on (so CI output names it). */
export function logVscodeVersion(): string {
  const paths = vscodePaths();
  const version = vscodeVersion(paths) ?? 'unknown';
  if (!versionLogged) {
    versionLogged = true;
    process.stdout.write(`[e2e] VS Code ${version} (code-server ${codeServerVersion(paths)}), browser ${paths.chromium}\n`);
  }
  return version;
}
