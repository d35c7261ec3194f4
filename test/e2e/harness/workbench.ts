/**
 * Helpers that drive VS Code's workbench in the browser the way a user does: activity bar, tree
 * views, the command palette, editors, hovers, the status bar, notifications, the Output panel and
 * webviews. Each waits for what it needs (no fixed sleeps) and fails with what it saw.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { e2eOutputDir } from './e2eEnvironment';

const DEFAULT_TIMEOUT = 30_000;

export interface TreeRow {
  label: string;
  description: string;
  /** `true`/`false` for rows with children, `undefined` for leaves. */
  expanded: boolean | undefined;
  /** Nesting level, 1 for top rows. */
  level: number;
}

/** Waits until the workbench has rendered its parts and restored its views. */
export async function waitForWorkbench(page: Page, timeout = 90_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout });
  await page.locator('[id="workbench.parts.activitybar"] .action-item').first().waitFor({ timeout });
  await page.locator('[id="workbench.parts.statusbar"]').waitFor({ timeout });
}

/** The activity-bar entry of a view container, by its title. */
function activityBarItem(page: Page, containerTitle: string): Locator {
  return page.locator(`[id="workbench.parts.activitybar"] .action-item:has(.action-label[aria-label^="${cssString(containerTitle)}"])`).first();
}

/** Opens a view container from the activity bar (leaves it open if it already is) and waits for its views. */
export async function openView(page: Page, containerTitle: string, timeout = DEFAULT_TIMEOUT): Promise<void> {
  const item = activityBarItem(page, containerTitle);
  await item.waitFor({ timeout });
  if (!(await isChecked(item))) await item.locator('.action-label').click();
  await expectPoll(() => isChecked(item), (v) => v, `the ${containerTitle} container to open`, timeout);
  await sidebar(page).locator('.pane-header').first().waitFor({ timeout });
}

async function isChecked(item: Locator): Promise<boolean> {
  const cls = (await item.getAttribute('class')) ?? '';
  return cls.split(/\s+/).includes('checked');
}

function sidebar(page: Page): Locator {
  return page.locator('[id="workbench.parts.sidebar"]');
}

/** The titles of the views shown in the open side bar container. */
export async function viewTitles(page: Page): Promise<string[]> {
  const titles = await sidebar(page).locator('.pane-header h3.title').allTextContents();
  return titles.map((t) => t.trim());
}

/** A view's pane (header and body) in the side bar, by its title. */
export function viewPane(page: Page, viewTitle: string): Locator {
  return sidebar(page)
    .locator('.pane')
    .filter({ has: page.locator('.pane-header h3.title', { hasText: new RegExp(`^\\s*${escapeRegExp(viewTitle)}\\s*$`, 'i') }) })
    .first();
}

/** Expands a collapsed view section (views start collapsed when the container is crowded). */
export async function expandView(page: Page, viewTitle: string, timeout = DEFAULT_TIMEOUT): Promise<Locator> {
  const pane = viewPane(page, viewTitle);
  const header = pane.locator('.pane-header');
  await header.waitFor({ timeout });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  await expectPoll(async () => header.getAttribute('aria-expanded'), (v) => v === 'true', `the ${viewTitle} view to expand`, timeout);
  return pane;
}

/**
 * Labels and descriptions of a tree view's rows, in order (expanding the view first). The list
 * renders only the rows in sight, so when it holds more it is scrolled through and back to the top.
 */
export async function treeRows(page: Page, viewTitle: string, timeout = DEFAULT_TIMEOUT): Promise<TreeRow[]> {
  const pane = await expandView(page, viewTitle, timeout);
  const list = pane.locator('.monaco-list').first();
  if ((await list.count()) === 0) return []; // a welcome view, or a message instead of a tree
  const rowsEl = list.locator('.monaco-list-rows').first();
  const byIndex = new Map<number, TreeRow>();
  const readVisible = async (): Promise<void> => {
    // no named functions inside: the page gets this function's source, without a bundler's helpers
    const rows = await pane.locator('.monaco-list-row').evaluateAll((els) =>
      els.map((el) => ({
        index: Number(el.getAttribute('data-index') ?? '0'),
        label: (el.querySelector('.label-name')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
        description: (el.querySelector('.label-description')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
        expanded: el.getAttribute('aria-expanded') === null ? undefined : el.getAttribute('aria-expanded') === 'true',
        level: Number(el.getAttribute('aria-level') ?? '1'),
      })),
    );
    for (const { index, ...row } of rows) byIndex.set(index, row);
  };
  await readVisible();
  const geometry = async (): Promise<{ total: number; visible: number; top: number }> =>
    rowsEl.evaluate((el) => ({
      total: parseFloat((el as HTMLElement).style.height || '0'),
      visible: (el.parentElement as HTMLElement).clientHeight,
      top: -parseFloat((el as HTMLElement).style.top || '0'),
    }));
  let g = await geometry();
  if (g.total > g.visible + 1) {
    await list.hover();
    while (g.top + g.visible < g.total - 1) {
      const before = g.top;
      await page.mouse.wheel(0, Math.max(20, g.visible * 0.8));
      g = await expectPoll(geometry, (n) => n.top !== before, `the ${viewTitle} view to scroll`, timeout);
      await readVisible();
    }
    while (g.top > 0) {
      const before = g.top;
      await page.mouse.wheel(0, -Math.max(20, g.visible));
      g = await expectPoll(geometry, (n) => n.top !== before, `the ${viewTitle} view to scroll back`, timeout);
    }
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
}

/** Waits until a tree view's rows satisfy `predicate`; returns them. */
export async function waitForTreeRows(page: Page, viewTitle: string, predicate: (rows: TreeRow[]) => boolean, timeout = DEFAULT_TIMEOUT): Promise<TreeRow[]> {
  return expectPoll(() => treeRows(page, viewTitle, timeout), predicate, `rows of the ${viewTitle} view`, timeout);
}

/** A tree row by its exact label, in a view or anywhere in the side bar. */
export function treeRow(page: Page, label: string, viewTitle?: string): Locator {
  const scope = viewTitle ? viewPane(page, viewTitle) : sidebar(page);
  return scope
    .locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
    .first();
}

/** Expands a tree row by its label (no-op when already expanded) and waits for its children to render. */
export async function expandRow(page: Page, label: string, opts: { viewTitle?: string; timeout?: number } = {}): Promise<void> {
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
  const row = treeRow(page, label, opts.viewTitle);
  await row.waitFor({ timeout });
  const state = await row.getAttribute('aria-expanded');
  if (state === null) throw new Error(`tree row "${label}" has no children to expand`);
  if (state !== 'true') await row.locator('.monaco-tl-twistie').click();
  await expectPoll(() => row.getAttribute('aria-expanded'), (v) => v === 'true', `tree row "${label}" to expand`, timeout);
  const level = Number((await row.getAttribute('aria-level')) ?? '1');
  // the first child is the next row, one level deeper
  const next = row.locator('xpath=following-sibling::*[1]');
  await expectPoll(async () => ((await next.count()) ? next.getAttribute('aria-level') : null), (v) => Number(v) === level + 1, `children of "${label}"`, timeout).catch(() => {
    // a row may legitimately have no children to show: expanded is what was asked
  });
}

/** Closes the quick input (palette, quick pick) if one is open, and waits until it is gone. */
export async function closeQuickInput(page: Page, timeout = DEFAULT_TIMEOUT): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  if (await widget.isVisible()) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout });
  }
}

/** Opens the command palette (F1) and returns its input, ready to type in. */
async function openPalette(page: Page, timeout: number): Promise<Locator> {
  await closeQuickInput(page, timeout);
  const input = page.locator('.quick-input-widget .quick-input-box input').first();
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', timeout });
  await expectPoll(() => input.isEditable(), (v) => v, 'the command palette to take input', timeout);
  return input;
}

/**
 * Opens the palette and types `text`. A palette that closes again before it takes the text (focus
 * moving to a webview that was closing or opening takes it away) is opened once more.
 */
async function typeInPalette(page: Page, text: string, timeout: number): Promise<Locator> {
  for (let attempt = 1; ; attempt++) {
    const input = await openPalette(page, timeout);
    try {
      await input.fill(text, { timeout: 5_000 });
      return input;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** The rows the command palette lists for `query` (`>` is added); the palette is left closed. */
export async function paletteCommands(page: Page, query: string, timeout = DEFAULT_TIMEOUT): Promise<string[]> {
  await typeInPalette(page, `>${query}`, timeout);
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows.first().waitFor({ timeout });
  // the list settles after the filter is applied: wait for two equal reads in a row
  let previous = '';
  const labels = await expectPoll(
    async () => (await rows.locator('.label-name').allTextContents()).map((t) => t.replace(/\u00a0/g, ' ').trim()),
    (ls) => {
      const key = JSON.stringify(ls);
      const stable = ls.length > 0 && key === previous;
      previous = key;
      return stable;
    },
    `palette rows for "${query}"`,
    timeout,
  );
  await closeQuickInput(page, timeout);
  return labels;
}

/** Runs a command from the palette (F1) by its full title, e.g. `CNI Lens: Refresh`. */
export async function runCommand(page: Page, title: string, timeout = DEFAULT_TIMEOUT): Promise<void> {
  const input = await typeInPalette(page, `>${title}`, timeout);
  const row = page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }) })
    .first();
  await row.waitFor({ timeout }).catch(async (err) => {
    const seen = await page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents();
    await closeQuickInput(page, timeout);
    throw new Error(`command "${title}" is not in the palette (it lists: ${seen.join(' | ') || 'nothing'})`, { cause: err });
  });
  await settledList(page, timeout);
  await row.click();
  // done when the palette has closed, or when the command replaced it with a quick pick of its own
  const widget = page.locator('.quick-input-widget');
  await expectPoll(
    async () => !(await widget.isVisible()) || (await input.inputValue()) !== `>${title}`,
    (v) => v,
    `the palette to run "${title}"`,
    timeout,
  );
}

/** Picks an item in an open quick pick (after a command that shows one) by its label. */
export async function pickQuickItem(page: Page, label: string | RegExp, timeout = DEFAULT_TIMEOUT): Promise<void> {
  const matcher = typeof label === 'string' ? new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) : label;
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: matcher }) }).first();
  await row.waitFor({ timeout });
  // the list filters as the input changes: a click while it re-renders lands on a neighbour
  await settledList(page, timeout);
  await row.click();
}

/** Types into the open quick pick (its list renders only the rows in sight), then picks a row. */
export async function typeAndPick(page: Page, text: string, row: string | RegExp, timeout = DEFAULT_TIMEOUT): Promise<void> {
  await page.locator('.quick-input-widget input').fill(text);
  await pickQuickItem(page, row, timeout);
}

/**
 * Waits until the quick input's list shows the same rows at the same places for two reads in a
 * row, so that a click lands on the row that was looked up.
 */
async function settledList(page: Page, timeout: number): Promise<void> {
  const rows = page.locator('.quick-input-list .monaco-list-row');
  const read = () =>
    rows.evaluateAll((els) => els.map((e) => `${(e as HTMLElement).style.top}|${e.querySelector('.label-name')?.textContent ?? ''}`).join('\n'));
  let previous = await read();
  await expectPoll(
    async () => {
      await new Promise((r) => setTimeout(r, 150));
      const now = await read();
      const same = now === previous;
      previous = now;
      return same;
    },
    (same) => same,
    'the quick pick list to settle',
    timeout,
  );
}

/** The title of the open quick input (a command's step, e.g. "Trace Pod to Service: source"). */
export async function quickInputTitle(page: Page, matcher: RegExp, timeout = DEFAULT_TIMEOUT): Promise<string> {
  const title = page.locator('.quick-input-widget .quick-input-title');
  return expectPoll(async () => ((await title.isVisible()) ? ((await title.textContent()) ?? '') : ''), (t) => matcher.test(t), `a quick input titled ${matcher}`, timeout);
}

/** The content of the active webview (its inner `#active-frame`). */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** The content of the visible webview that has an element matching `selector` (several webviews can be open side by side). */
export async function webviewFrameWith(page: Page, selector: string, timeout = DEFAULT_TIMEOUT): Promise<FrameLocator> {
  const frames = page.frameLocator('iframe.webview.ready');
  const index = await expectPoll(
    async () => {
      const count = await page.locator('iframe.webview.ready').count();
      for (let i = 0; i < count; i++) if ((await frames.nth(i).frameLocator('#active-frame').locator(selector).count()) > 0) return i;
      return -1;
    },
    (i) => i >= 0,
    `a webview showing ${selector}`,
    timeout,
  );
  return frames.nth(index).frameLocator('#active-frame');
}

/** Opens a file of the workspace (Quick Open) and waits for its editor. */
export async function openFile(page: Page, relativePath: string, timeout = DEFAULT_TIMEOUT): Promise<void> {
  await runCommand(page, 'Go to File...', timeout).catch(async () => {
    await page.keyboard.press('Control+P');
  });
  const input = page.locator('.quick-input-widget input').first();
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(relativePath);
  const name = relativePath.split('/').pop()!;
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: name }) }).first();
  await row.waitFor({ timeout });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active[aria-label^="${cssString(name)}"]`).waitFor({ timeout });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout });
}

/** Moves the cursor of the active editor to `line`:`column` (1-based) and shows the hover there; returns its text. */
export async function hoverAt(page: Page, pos: { line: number; column: number }, opts: { contains?: string | RegExp; timeout?: number } = {}): Promise<string> {
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
  await runCommand(page, 'Go to Line/Column...', timeout);
  const input = page.locator('.quick-input-widget input').first();
  // the quick input opens with the `:` prefix of Go to Line
  await input.fill(`:${pos.line}:${pos.column}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout });
  await runCommand(page, 'Show or Focus Hover', timeout);
  const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-hover:not(.hidden) .hover-contents').first();
  await hover.waitFor({ state: 'visible', timeout });
  return expectPoll(
    async () => ((await hover.textContent()) ?? '').replace(/\u00a0/g, ' '),
    (t) => (opts.contains === undefined ? t.trim().length > 0 : typeof opts.contains === 'string' ? t.includes(opts.contains) : opts.contains.test(t)),
    `the hover at ${pos.line}:${pos.column}${opts.contains ? ` to contain ${opts.contains}` : ''}`,
    timeout,
  );
}

/** The text of the status bar item matching `matcher`, once there is one. */
export async function statusBarText(page: Page, matcher: string | RegExp, timeout = DEFAULT_TIMEOUT): Promise<string> {
  const items = page.locator('[id="workbench.parts.statusbar"] .statusbar-item');
  return expectPoll(
    async () => (await items.allTextContents()).map((t) => t.replace(/\u00a0/g, ' ').trim()).find((t) => (typeof matcher === 'string' ? t.includes(matcher) : matcher.test(t))),
    (t) => t !== undefined,
    `a status bar item matching ${matcher}`,
    timeout,
    async () => `status bar: ${(await items.allTextContents()).map((t) => JSON.stringify(t.trim())).join(', ')}`,
  ) as Promise<string>;
}

/**
 * The messages of all notifications. With the smoke-test driver toasts are hidden, so this opens the
 * notification center, reads it and closes it again.
 */
export async function notifications(page: Page, timeout = DEFAULT_TIMEOUT): Promise<string[]> {
  const center = page.locator('.notifications-center');
  const wasVisible = await center.isVisible();
  if (!wasVisible) {
    await page.locator('[id="workbench.parts.statusbar"] .statusbar-item[aria-label^="Notifications"], [id="workbench.parts.statusbar"] .statusbar-item[aria-label^="No Notifications"], [id="workbench.parts.statusbar"] .statusbar-item[aria-label*="Notification"]').first().click({ timeout });
    await center.waitFor({ state: 'visible', timeout });
  }
  const messages = (await center.locator('.notification-list-item-message').allTextContents()).map((t) => t.replace(/\u00a0/g, ' ').trim());
  if (!wasVisible) {
    await page.keyboard.press('Escape');
    await center.waitFor({ state: 'hidden', timeout });
  }
  return messages;
}

/** Shows an Output channel (e.g. "CNI Lens") and returns the text the panel shows. */
export async function outputChannelText(page: Page, channel: string, opts: { contains?: string | RegExp; timeout?: number } = {}): Promise<string> {
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
  await runCommand(page, 'Output: Show Output Channels...', timeout);
  await pickQuickItem(page, channel, timeout);
  const lines = page.locator('[id="workbench.panel.output"] .monaco-editor .view-lines').first();
  await lines.waitFor({ timeout });
  return expectPoll(
    async () => ((await lines.innerText()) ?? '').replace(/\u00a0/g, ' '),
    (t) => (opts.contains === undefined ? t.trim().length > 0 : typeof opts.contains === 'string' ? t.includes(opts.contains) : opts.contains.test(t)),
    `the Output channel "${channel}"${opts.contains ? ` to contain ${opts.contains}` : ''}`,
    timeout,
  );
}

/** Drags the side bar's edge so that it is `width` pixels wide (long names then show whole). */
export async function resizeSideBar(page: Page, width: number, timeout = DEFAULT_TIMEOUT): Promise<void> {
  const box = await sidebar(page).boundingBox();
  if (!box) throw new Error('the side bar is not shown');
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width + 1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width + 1, y, { steps: 5 });
  await page.mouse.up();
  await expectPoll(async () => (await sidebar(page).boundingBox())?.width ?? 0, (w) => Math.abs(w - width) <= 8, `the side bar to be ${width} px wide`, timeout);
}

/**
 * Saves a screenshot of the whole window to `.test-output/e2e/<name>` and returns its path. The
 * mouse is moved off the side bar first, so that no row shows a hover highlight.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(e2eOutputDir, { recursive: true });
  const viewport = page.viewportSize();
  if (viewport) await page.mouse.move(viewport.width - 40, viewport.height / 2);
  // a sash the mouse just left fades out: wait until none is drawn
  await expectPoll(
    () => page.locator('.monaco-sash').evaluateAll((els) => els.filter((e) => getComputedStyle(e, '::before').backgroundColor !== 'rgba(0, 0, 0, 0)').length),
    (n) => n === 0,
    'sash highlights to fade',
    3_000,
  ).catch(() => undefined);
  const file = join(e2eOutputDir, name.endsWith('.png') ? name : `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Calls `read` until `ok(value)` holds (every 100 ms, up to `timeout`); returns the value or throws with the last one. */
export async function expectPoll<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeout = DEFAULT_TIMEOUT, describe?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const extra = describe ? await describe().catch(() => '') : '';
  throw new Error(`timed out after ${timeout} ms waiting for ${what}; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${(lastError as Error).message}` : ''}${extra ? `; ${extra}` : ''}`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cssString(s: string): string {
  return s.replace(/["\\]/g, '\\$&');
}

/**
 * Sizes the window so that the (first) ready webview is exactly `width`×`height` CSS pixels, as a
 * panel of that size would show it; fails when it cannot.
 */
export async function sizeWebviewTo(page: Page, width: number, height: number): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const frame = await page.locator('iframe.webview.ready').first().boundingBox();
    const vp = page.viewportSize()!;
    if (!frame || (Math.round(frame.width) === width && Math.round(frame.height) === height)) break;
    await page.setViewportSize({ width: Math.round(vp.width + width - frame.width), height: Math.round(vp.height + height - frame.height) });
    await page.waitForTimeout(600);
  }
  const frame = await page.locator('iframe.webview.ready').first().boundingBox();
  if (!frame || Math.round(frame.width) !== width || Math.round(frame.height) !== height) {
    throw new Error(`the webview is ${frame ? `${Math.round(frame.width)}×${Math.round(frame.height)}` : 'not shown'}, not ${width}×${height}`);
  }
}
