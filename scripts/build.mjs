// Bundles the targets: the extension (cjs, `vscode` external) and its lazily loaded runtime, the
// webview (browser) and the CLI.
import { build } from 'esbuild';
import { mkdir, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none' };

await mkdir('dist', { recursive: true });
const targets = [
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' } }),
];
if (existsSync('src/extension/extension.ts')) {
  // the extension's small entry, and the runtime it loads on first use (the large libraries)
  targets.push(build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', './runtime.js'] }));
  targets.push(build({ ...common, entryPoints: ['src/extension/runtimeEntry.ts'], outfile: 'dist/runtime.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] }));
}
if (existsSync('webview/main.ts')) {
  targets.push(build({ ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' }));
}
// the other webviews, each its own entry (flows table, trace report)
for (const [entry, out] of [['webview/flows/main.ts', 'dist/flowsWebview.js'], ['webview/report/main.ts', 'dist/reportWebview.js']]) {
  if (existsSync(entry)) targets.push(build({ ...common, entryPoints: [entry], outfile: out, platform: 'browser', format: 'iife', target: 'es2022' }));
}
await Promise.all(targets);
await chmod('dist/cli.js', 0o755);
