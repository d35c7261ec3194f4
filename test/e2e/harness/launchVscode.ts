/**
 * One end-to-end session: the simulated demo cluster, code-server with CNI Lens loaded (from the
 * development folder or from the packaged `.vsix`), and Chromium driven by playwright-core showing
 * the workbench. `close()` stops all three.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { format } from 'node:util';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startCodeServer, installVsix, seedUserData, type CodeServer } from './codeServer';
import { e2eOutputDir, logVscodeVersion, repoRoot, vscodePaths, vsixPath } from './e2eEnvironment';
import { auditDemoSession } from './auditDemoSession';
import type { SimScenario } from '../../../src/sim/simScenario';
import { startDemoSim, type DemoSim } from './startDemoSim';
import { waitForWorkbench } from './workbench';

/** The flags Chromium needs as root on a machine with a closed network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchOptions {
  /** Names the run's log files (`.test-output/e2e/<label>-*.log`). */
  label: string;
  /** `dev`: the development folder through the payload's extensionDevelopmentPath; `vsix`: the package installed into the run's extensions dir. */
  extension: 'dev' | 'vsix';
  /** With `extension: 'dev'`: the folder to load (default: this repository). */
  extensionDevelopmentPath?: string;
  /** An extension-host test suite (compiled index.js) to run: the page then reports its exit code. */
  extensionTestsPath?: string;
  /** Extra user settings (those that point CNI Lens at the sim are always set). */
  settings?: Record<string, unknown>;
  /** Files to create in the opened workspace folder, by relative path. */
  workspaceFiles?: Record<string, string>;
  /** Environment for code-server and its extension host. */
  env?: Record<string, string>;
  /** Called with each line the extension-host test suite prints. */
  onTestLog?: (line: string) => void;
  /** Start without a sim (CNI Lens's settings are then left unset). */
  noSim?: boolean;
  /** Keep workspace trust on: the folder opens in restricted mode until it is trusted. */
  workspaceTrust?: boolean;
  /** The sim's scenario instead of the demo's (e.g. RBAC with fewer permissions). */
  scenario?: SimScenario;
  /** The sim's Hubble Relay speaks TLS (Service port 443), with `{ mtls: true }` requiring a client certificate. */
  hubbleTls?: boolean | { mtls?: boolean };
}

export interface VscodeSession {
  page: Page;
  browser: Browser;
  codeServer: CodeServer;
  demo: DemoSim | undefined;
  /** The opened workspace folder. */
  workspaceDir: string;
  /** Resolves with the extension-host suite's exit code (only with `extensionTestsPath`). */
  testsExit: Promise<number>;
  /** Errors the page logged (console errors and uncaught exceptions). */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function launchVscode(opts: LaunchOptions): Promise<VscodeSession> {
  logVscodeVersion();
  mkdirSync(e2eOutputDir, { recursive: true });
  // a short path outside the work tree: VS Code puts sockets in the user-data-dir
  const runDir = mkdtempSync(join(tmpdir(), `cni-lens-${opts.label}-`));
  // run last to first: the folder goes once everything that used it has stopped
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(runDir, { recursive: true, force: true })];
  // the read-only and secrets audit fails the suite; other teardown errors are only reported
  const auditFailures: string[] = [];
  const close = async (): Promise<void> => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        process.stderr.write(`[e2e] teardown: ${(err as Error).message}\n`);
      }
    }
    cleanups.length = 0;
    if (auditFailures.length) throw new Error(`[e2e] ${opts.label}: ${auditFailures.splice(0).join('\n')}`);
  };
  try {
    const workspaceDir = join(runDir, 'workspace');
    mkdirSync(workspaceDir, { recursive: true });
    for (const [rel, text] of Object.entries(opts.workspaceFiles ?? {})) {
      mkdirSync(join(workspaceDir, rel, '..'), { recursive: true });
      writeFileSync(join(workspaceDir, rel), text);
    }

    let demo: DemoSim | undefined;
    if (!opts.noSim) {
      demo = await startDemoSim(runDir, { ...(opts.scenario ? { scenario: opts.scenario } : {}), ...(opts.hubbleTls ? { hubbleTls: opts.hubbleTls } : {}) });
      cleanups.push(() => demo!.close());
      // runs once code-server has stopped (cleanups run last to first), before the sim closes
      cleanups.push(() => {
        const audit = auditDemoSession(demo!, {
          label: opts.label,
          outputDir: e2eOutputDir,
          logDirs: [join(runDir, 'ud', 'logs')],
          logFiles: [join(e2eOutputDir, `${opts.label}-code-server.log`)],
        });
        if (audit.writes.length) auditFailures.push(`requests other than get/list/watch/port-forward reached the cluster:\n${audit.writes.join('\n')}`);
        if (audit.leaks.length) auditFailures.push(`secrets in the logs:\n${audit.leaks.join('\n')}`);
        if (!audit.cniLensLogFound) process.stderr.write(`[e2e] ${opts.label}: no "CNI Lens" log file among ${audit.logFiles.length} log files\n`);
      });
    }
    const settings = { ...demo?.settings, ...opts.settings };
    const env = { ...demo?.env, ...opts.env };

    if (opts.extension === 'vsix') {
      seedUserData(runDir, settings);
      installVsix(runDir, vsixPath);
    }
    const codeServer = await startCodeServer({ runDir, settings, logFile: join(e2eOutputDir, `${opts.label}-code-server.log`), env, ...(opts.workspaceTrust ? { workspaceTrust: true } : {}) });
    cleanups.push(() => codeServer.stop());

    const browser = await chromium.launch({ executablePath: vscodePaths().chromium, args: CHROMIUM_ARGS, headless: true });
    cleanups.push(() => browser.close());
    // clipboard: tests copy from CNI Lens (e.g. a trace as Markdown) and paste into an editor
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });

    let resolveExit!: (code: number) => void;
    const testsExit = new Promise<number>((r) => (resolveExit = r));
    if (opts.extensionTestsPath) {
      // the smoke-test driver calls these when the extension-host suite logs and ends
      await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
        const line = format(...(Array.isArray(args) ? args : [args]));
        opts.onTestLog?.(type === 'error' ? `[error] ${line}` : line);
      });
      await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(Number(code)));
    }

    const remote = (p: string): string => `vscode-remote://127.0.0.1:${codeServer.port}${p}`;
    const payload: [string, string][] = [];
    if (opts.extension === 'dev') payload.push(['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath ?? repoRoot)]);
    if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remote(opts.extensionTestsPath)]);
    const url = `${codeServer.origin}/?folder=${encodeURIComponent(workspaceDir)}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
    await page.goto(url);
    await waitForWorkbench(page);

    return { page, browser, codeServer, demo, workspaceDir, testsExit, pageErrors, close };
  } catch (err) {
    await close();
    throw err;
  }
}
