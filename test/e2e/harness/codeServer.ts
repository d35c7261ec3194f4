/**
 * code-server (VS Code 1.139 served to a browser) for the end-to-end and integration tests: a fresh
 * user-data-dir seeded with quiet settings, its own extensions dir, XDG folders inside the run
 * folder, no auth, 127.0.0.1 on a free port, and the smoke-test driver (which makes the workbench
 * honour the `payload` query: extensionDevelopmentPath, extensionTestsPath).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { vscodePaths } from './e2eEnvironment';
import quietSettings from './quietSettings.json';

/**
 * Settings that keep a fresh VS Code quiet: no welcome page, tips, walkthroughs, updates, telemetry
 * or AI (shared with the desktop runner, scripts/integration/runElectron.mjs).
 */
export const QUIET_SETTINGS: Record<string, unknown> = quietSettings;

export interface CodeServerOptions {
  /** Folder for this run: user data, extensions, XDG folders. */
  runDir: string;
  /** Merged over QUIET_SETTINGS into the user settings.json. */
  settings?: Record<string, unknown>;
  /** Where code-server's output goes. */
  logFile: string;
  /** Extra environment for code-server and so for the extension host. */
  env?: Record<string, string>;
  /** Keep VS Code's workspace trust on (by default code-server runs with `--disable-workspace-trust`). */
  workspaceTrust?: boolean;
}

export interface CodeServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  pid: number;
  userDataDir: string;
  extensionsDir: string;
  /** Everything code-server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

function runDirs(runDir: string) {
  return { userDataDir: join(runDir, 'ud'), extensionsDir: join(runDir, 'exts'), xdg: join(runDir, 'xdg') };
}

function codeServerEnv(runDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const paths = vscodePaths();
  const { xdg } = runDirs(runDir);
  return {
    ...process.env,
    PATH: `${join(paths.node24Dir, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: xdg,
    XDG_DATA_HOME: xdg,
    XDG_CACHE_HOME: join(xdg, 'cache'),
    // the test process may run under vitest or tsx: none of that belongs in the extension host
    NODE_OPTIONS: '',
    ...extra,
  };
}

/**
 * Writes the settings of a fresh user-data-dir: QUIET_SETTINGS and `settings` as user settings, and
 * `settings` again as the server's machine settings (`Machine/settings.json`). The workbench is a
 * remote window to code-server, and a remote window takes settings of `machine` or
 * `machine-overridable` scope (a kubeconfig path, say) only from there.
 */
export function seedUserData(runDir: string, settings: Record<string, unknown> = {}): void {
  const { userDataDir, extensionsDir, xdg } = runDirs(runDir);
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(join(userDataDir, 'Machine'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(xdg, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2) + '\n');
  writeFileSync(join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
}

/** Installs a `.vsix` into the run's extensions dir (`code-server --install-extension`). */
export function installVsix(runDir: string, vsix: string): string {
  const paths = vscodePaths();
  const { userDataDir, extensionsDir } = runDirs(runDir);
  const r = spawnSync(paths.node24, [paths.codeServerEntry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], {
    encoding: 'utf8',
    env: codeServerEnv(runDir),
    timeout: 120_000,
  });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0 || !/successfully installed/i.test(output)) throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status ?? r.signal}):\n${output}`);
  return output.trim();
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const paths = vscodePaths();
  const { userDataDir, extensionsDir } = runDirs(opts.runDir);
  seedUserData(opts.runDir, opts.settings);
  const args = [
    paths.codeServerEntry,
    '--bind-addr', '127.0.0.1:0',
    '--auth', 'none',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--vscode-option', 'enable-smoke-test-driver',
  ];
  // its own process group, so that stop() can also end children that outlive it
  const child = spawn(paths.node24, args, { env: codeServerEnv(opts.runDir, opts.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const log = createWriteStream(opts.logFile);
  let output = '';
  const onData = (d: Buffer): void => {
    output += d.toString();
    log.write(d);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let port: number;
  try {
    port = await waitForListening(child, () => output, 60_000);
    await waitForHealthz(`http://127.0.0.1:${port}/healthz`, 30_000);
  } catch (err) {
    await stopProcess(child, exited);
    log.end();
    throw new Error(`code-server did not start: ${(err as Error).message}\n${output.slice(-4000)}`);
  }
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    pid: child.pid!,
    userDataDir,
    extensionsDir,
    output: () => output,
    stop: async () => {
      await stopProcess(child, exited);
      log.end();
    },
  };
}

function waitForListening(child: ChildProcess, output: () => string, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const check = (): void => {
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output());
      if (m) {
        cleanup();
        resolve(Number(m[1]));
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`code-server exited (${code ?? signal}) before listening`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`code-server printed no listening address within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

async function waitForHealthz(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not healthy within ${timeoutMs} ms (${last})`);
}

/** SIGTERM to code-server's PID; if it is still there after 5 s, SIGKILL to its process group. */
async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 5_000).unref())]);
  if (timedOut) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await exited;
  }
}
