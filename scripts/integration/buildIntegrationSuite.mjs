// Bundles the extension-host integration suite (test/integration/index.ts and its tests, mocha
// included) into out/integration/index.js: CommonJS, `vscode` left to the extension host.
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const integrationSuitePath = join(root, 'out', 'integration', 'index.js');

export async function buildIntegrationSuite() {
  await build({
    absWorkingDir: root,
    entryPoints: ['test/integration/index.ts'],
    outfile: integrationSuitePath,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
    // mocha's parallel mode (workers) is not used in the extension host
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  return integrationSuitePath;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // no top-level await: this module is also loaded by CommonJS code (tsx)
  buildIntegrationSuite().then(
    (out) => process.stdout.write(`built ${out}\n`),
    (err) => {
      process.stderr.write(`${err.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
