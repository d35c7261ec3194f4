/**
 * A report model (`src/shared/reportProtocol.ts`) as Markdown, for "Copy as Markdown": the same
 * blocks the report webview shows, so the copy holds everything the panel does (predicted next to
 * observed, drops on their hops). Every span goes through `markdownEscape`: names, labels and
 * policy names from the cluster stay text, so no link, image, HTML or autolink can come out of
 * them. The only links are the targets `linkTarget` gives for a span's link, and only `file:` URIs.
 */
import { markdownEscape } from '../../core/hover/hoverMarkdown';
import type { ReportItem, ReportModel, ReportSpan } from '../../shared/reportProtocol';

/** Long values (a hop's text, a reason) are kept whole: only hostile syntax is neutralised. */
const MAX = 4000;
/** Only `file:` URIs may be link targets, and nothing that ends the link. */
const SAFE_LINK = /^file:\/\/[^\s()<>[\]`]*$/;

export function reportMarkdown(report: ReportModel, linkTarget: (link: number) => string | undefined = () => undefined): string {
  const span = (s: ReportSpan): string => {
    const raw = s.text.trim() ? s.text : '';
    if (!raw) return s.text;
    // emphasis must hug the text: keep the span's outer spaces outside the markers
    const [, lead = '', body = '', trail = ''] = /^(\s*)(.*?)(\s*)$/s.exec(raw) ?? [];
    let text = markdownEscape(body, MAX);
    const target = s.link !== undefined ? linkTarget(s.link) : undefined;
    if (target !== undefined && SAFE_LINK.test(target)) text = `[${text}](${target})`;
    if (s.strong) text = `**${text}**`;
    return `${lead}${text}${trail}`;
  };
  const line = (spans: ReportSpan[]): string => spans.map(span).join('');
  const item = (it: ReportItem, marker: string): string[] => {
    const out = [`${marker}${line(it.spans)}`];
    for (const sub of it.sub ?? []) out.push(`${' '.repeat(marker.length)}- ${line(sub)}`);
    return out;
  };
  const lines: string[] = [];
  for (const block of report.blocks) {
    switch (block.kind) {
      case 'heading':
        lines.push(`# ${line(block.spans.map((s) => ({ ...s, strong: false })))}`, '');
        break;
      case 'subheading':
        lines.push(`## ${line(block.spans)}`, '');
        break;
      case 'paragraph':
        lines.push(line(block.spans), '');
        break;
      case 'list':
        for (const it of block.items) lines.push(...item(it, '- '));
        lines.push('');
        break;
      case 'numbered':
        block.items.forEach((it, i) => lines.push(...item(it, `${i + 1}. `)));
        lines.push('');
        break;
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
