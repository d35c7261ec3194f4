#!/usr/bin/env node
// `npm run package`: packages the extension into .test-output/cni-lens.vsix (or the path after
// --out). A production build (minified, no source maps) first, then `vsce package --no-dependencies`:
// the bundles carry their dependencies, so no node_modules go in; .vscodeignore keeps the package
// to what runs (test/unit/packaging.test.ts checks it). Afterwards the development build is put back
// in dist/, so that the end-to-end tests of the development folder run what `npm run build` makes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const out = resolve(root, outArg > 0 ? process.argv[outArg + 1] : '.test-output/cni-lens.vsix');
const started = Date.now();

function run(title, cmd, args, { exitOnFailure = true } = {}) {
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    process.stderr.write(`package: ${title} failed (exit ${r.status ?? r.signal})\n`);
    if (exitOnFailure) process.exit(1);
    return false;
  }
  process.stdout.write(`package: ${title} in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  return true;
}

run('production build', process.execPath, ['scripts/build.mjs', '--production']);
if (!existsSync(join(root, 'dist', 'extension.js'))) {
  process.stderr.write('package: dist/extension.js was not built (is src/extension/extension.ts there?)\n');
  process.exit(1);
}

const vsceArgs = ['package', '--no-dependencies', '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'];
if (!existsSync(join(root, 'LICENSE'))) {
  process.stderr.write('package: WARNING: there is no LICENSE file; the package goes without one\n');
  vsceArgs.push('--skip-license');
}
mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
const vsce = join(dirname(createRequire(import.meta.url).resolve('@vscode/vsce/package.json')), 'vsce');
const packaged = run('vsce package', process.execPath, [vsce, ...vsceArgs], { exitOnFailure: false });
run('development build restored', process.execPath, ['scripts/build.mjs']);
if (!packaged) process.exit(1);
process.stdout.write(`package: ${relative(root, out)} (${(statSync(out).size / 1024).toFixed(0)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
