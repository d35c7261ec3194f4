/**
 * Messages between the extension host and the report webview (a trace report), the only module
 * both sides import for it. The report is a list of blocks of text spans: the webview sets every
 * span with textContent (names from the cluster are never markup), and a span with a `link` asks the
 * host to open what link number `link` stands for (only the host knows: the webview cannot choose
 * what is opened).
 *
 * host → webview: `reportShow`. webview → host: `reportReady`, `reportOpenLink`, `reportCopy` (copy the
 * report as Markdown, for an incident ticket or a chat).
 */

export type ReportTone = 'allow' | 'deny' | 'warn' | 'muted';

export interface ReportSpan {
  text: string;
  strong?: boolean;
  code?: boolean;
  tone?: ReportTone;
  /** Index of a link the host keeps. */
  link?: number;
  /** Tooltip. */
  title?: string;
}

export interface ReportItem {
  spans: ReportSpan[];
  /** Indented lines under the item. */
  sub?: ReportSpan[][];
  tone?: ReportTone;
}

export type ReportBlock =
  | { kind: 'heading' | 'subheading' | 'paragraph'; spans: ReportSpan[]; tone?: ReportTone }
  | { kind: 'list' | 'numbered'; items: ReportItem[] };

export interface ReportModel {
  title: string;
  blocks: ReportBlock[];
}

export interface ReportShowMessage {
  type: 'reportShow';
  report: ReportModel;
}
export interface ReportReadyMessage {
  type: 'reportReady';
}
export interface ReportOpenLinkMessage {
  type: 'reportOpenLink';
  link: number;
}

export interface ReportCopyMessage {
  type: 'reportCopy';
}

export type ReportWebviewMessage = ReportReadyMessage | ReportOpenLinkMessage | ReportCopyMessage;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const TONES: readonly unknown[] = ['allow', 'deny', 'warn', 'muted', undefined];
const isSpan = (s: unknown): boolean =>
  isObject(s) && typeof s.text === 'string' && TONES.includes(s.tone) && (s.link === undefined || Number.isInteger(s.link)) && (s.title === undefined || typeof s.title === 'string');
const isSpans = (v: unknown): boolean => Array.isArray(v) && v.every(isSpan);
const isItem = (i: unknown): boolean => isObject(i) && isSpans(i.spans) && (i.sub === undefined || (Array.isArray(i.sub) && i.sub.every(isSpans))) && TONES.includes(i.tone);
const isBlock = (b: unknown): boolean =>
  isObject(b) &&
  (((b.kind === 'heading' || b.kind === 'subheading' || b.kind === 'paragraph') && isSpans(b.spans) && TONES.includes(b.tone)) ||
    ((b.kind === 'list' || b.kind === 'numbered') && Array.isArray(b.items) && b.items.every(isItem)));

export const ReportShow = {
  is: (m: unknown): m is ReportShowMessage =>
    isObject(m) && m.type === 'reportShow' && isObject(m.report) && typeof m.report.title === 'string' && Array.isArray(m.report.blocks) && m.report.blocks.every(isBlock),
};
export const ReportReady = { is: (m: unknown): m is ReportReadyMessage => isObject(m) && m.type === 'reportReady' };
export const ReportOpenLink = { is: (m: unknown): m is ReportOpenLinkMessage => isObject(m) && m.type === 'reportOpenLink' && Number.isInteger(m.link) && (m.link as number) >= 0 };
export const ReportCopy = { is: (m: unknown): m is ReportCopyMessage => isObject(m) && m.type === 'reportCopy' };
