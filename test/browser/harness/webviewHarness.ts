/**
 * Runs the diagram webview (`dist/webview.js`) in headless Chromium with a fake host: a local HTTP
 * server serves the page the panel serves (same HTML, same CSP, a fresh nonce), an init script
 * stands in for `acquireVsCodeApi` and records what the webview posts, and the theme's CSS
 * variables are set the way VS Code sets them. CSP violations and page errors are recorded.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createNonce } from '../../../src/extension/diagram/createNonce';
import { diagramWebviewHtml } from '../../../src/extension/diagram/webviewHtml';
import { BODY_CLASS, THEME_VARIABLES, type HarnessTheme } from './vscodeThemes';

export const ROOT = join(__dirname, '..', '..', '..');
export const WEBVIEW_BUNDLE = join(ROOT, 'dist', 'webview.js');

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Harness {
  browser: Browser;
  origin: string;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const bundle = readFileSync(WEBVIEW_BUNDLE);
  let origin = '';
  const server: Server = createServer((req, res) => {
    if (req.url === '/' || req.url?.startsWith('/?')) {
      const html = diagramWebviewHtml({ cspSource: origin, nonce: createNonce(), scriptUri: `${origin}/dist/webview.js`, title: 'CNI Lens path diagram' });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else if (req.url === '/dist/webview.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(bundle);
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return {
    browser,
    origin,
    close: async () => {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface WebviewPage {
  page: Page;
  /** Messages the webview posted to the fake host, in order. */
  posted(): Promise<Array<Record<string, unknown>>>;
  /** Sends a host → webview message. */
  send(message: unknown): Promise<void>;
  /** CSP violations, page errors and console errors seen so far. */
  problems: string[];
  dialogs: string[];
}

export async function openWebview(h: Harness, theme: HarnessTheme, viewport = { width: 1200, height: 800 }): Promise<WebviewPage> {
  const page = await h.browser.newPage({ viewport });
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}${process.env.HARNESS_STACKS ? `\n${e.stack}` : ''}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.addInitScript(
    ({ variables, bodyClass }) => {
      const w = window as unknown as { __posted: unknown[]; __csp: string[]; acquireVsCodeApi: () => unknown };
      w.__posted = [];
      w.__csp = [];
      let acquired = false;
      w.acquireVsCodeApi = () => {
        if (acquired) throw new Error('acquireVsCodeApi called twice');
        acquired = true;
        return { postMessage: (m: unknown) => w.__posted.push(JSON.parse(JSON.stringify(m))), getState: () => undefined, setState: () => undefined };
      };
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective}: ${e.blockedURI}`));
      // VS Code puts the theme on <html> as CSS variables and on <body> as a class
      const apply = () => {
        const html = document.documentElement as HTMLElement | null;
        if (html) for (const [k, v] of Object.entries(variables)) html.style.setProperty(k, v);
        document.body?.classList.add(bodyClass);
        document.body?.setAttribute('data-vscode-theme-kind', bodyClass);
      };
      // before the page's script runs (as soon as the elements exist), and again when it is parsed
      new MutationObserver((_, observer) => {
        apply();
        if (document.body) observer.disconnect();
      }).observe(document, { childList: true, subtree: true });
      document.addEventListener('DOMContentLoaded', apply, { once: true });
    },
    { variables: THEME_VARIABLES[theme], bodyClass: BODY_CLASS[theme] },
  );
  await page.goto(`${h.origin}/`);
  await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
  return {
    page,
    problems,
    dialogs,
    posted: () => page.evaluate(() => (window as unknown as { __posted: Array<Record<string, unknown>> }).__posted),
    send: (message) => page.evaluate((m) => window.postMessage(m, '*'), message),
  };
}

/** CSP violations the page recorded. */
export function cspViolations(p: WebviewPage): Promise<string[]> {
  return p.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
}
