/**
 * The inside of a box: its lines (title, subtitle, key facts), the verdict badge and the status mark,
 * with positions relative to the box's top-left corner. `toElkGraph` sizes the ELK nodes with it and
 * the renderer draws from it, so what is measured is what is drawn.
 */
import type { DiagramNode, DiagramVerdict } from './diagramTypes';
import { TEXT_STYLES, type MeasureText, type TextStyle } from './textMetrics';

export const BOX = {
  padLeft: 14,
  padRight: 11,
  padTop: 8,
  padBottom: 9,
  /** The owner-coloured stripe on the left. */
  accent: 5,
  minWidth: 150,
  maxWidth: 232,
  /** An overview has six lanes side by side: narrower boxes keep it within a 1200 px panel at 100%. */
  maxWidthOverview: 172,
  /** Facts in a box of a path diagram; an overview shows fewer to stay compact. */
  maxFacts: 4,
  maxFactsOverview: 3,
  badgeGap: 5,
  badgeHeight: 20,
  badgePadX: 8,
  markGap: 6,
  radius: 6,
} as const;

export interface BoxLine {
  style: TextStyle;
  /** The text as drawn (ellipsized when it did not fit). */
  text: string;
  /** Facts: the name (drawn muted) and the value; `text` is `name value`. */
  name?: string;
  value?: string;
  x: number;
  baseline: number;
  width: number;
  truncated: boolean;
  /** A title's second line. */
  continued?: boolean;
}

export interface BoxBadge {
  text: string;
  verdict: DiagramVerdict['verdict'];
  x: number;
  y: number;
  width: number;
  height: number;
  textX: number;
  baseline: number;
}

export interface NodeBox {
  width: number;
  height: number;
  lines: BoxLine[];
  /** `✕` for a drop, `?` for missing facts: right of the title. */
  mark?: { text: string; x: number; baseline: number; width: number };
  badge?: BoxBadge;
}

/** The baseline of a line of `style` whose line box starts at `top`: the glyphs centred in it. */
export function baselineIn(top: number, style: TextStyle): number {
  const s = TEXT_STYLES[style];
  return Math.round((top + s.lineHeight / 2 + s.size * 0.35) * 10) / 10;
}

/** `text` cut with an ellipsis to fit `maxWidth`. */
export function fitText(text: string, maxWidth: number, style: TextStyle, measure: MeasureText, prefix = ''): { text: string; width: number; truncated: boolean } {
  const full = measure(prefix + text, style).width;
  if (full <= maxWidth) return { text, width: full, truncated: false };
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(`${prefix}${chars.slice(0, mid).join('')}…`, style).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  const cut = `${chars.slice(0, lo).join('')}…`;
  return { text: cut, width: measure(prefix + cut, style).width, truncated: true };
}

/**
 * `text` on at most `maxLines` lines of `maxWidth`: breaks after a space, else after `-`, `.`, `/`,
 * `:` or `_`, when one is in the second half of the line, else where the width runs out; the last
 * line is ellipsized. Pod names stay whole up to two lines.
 */
export function wrapText(text: string, maxWidth: number, style: TextStyle, measure: MeasureText, maxLines = 2): Array<{ text: string; width: number; truncated: boolean }> {
  const lines: Array<{ text: string; width: number; truncated: boolean }> = [];
  let rest = [...text];
  while (rest.length > 0) {
    if (lines.length === maxLines - 1 || measure(rest.join(''), style).width <= maxWidth) {
      lines.push(fitText(rest.join(''), maxWidth, style, measure));
      break;
    }
    let lo = 1;
    let hi = rest.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (measure(rest.slice(0, mid).join(''), style).width <= maxWidth) lo = mid;
      else hi = mid - 1;
    }
    // a space in the second half first (`egress policy · ` / `ip-10-0-35-117`), else another break character
    let cut = lo;
    search: for (const breaks of [/ /, /[-./:_]/]) {
      for (let i = lo; i > lo / 2; i--) {
        if (breaks.test(rest[i - 1] as string)) {
          cut = i;
          break search;
        }
      }
    }
    const line = rest.slice(0, cut).join('');
    lines.push({ text: line, width: measure(line, style).width, truncated: false });
    rest = rest.slice(cut);
  }
  return lines;
}

export function verdictBadgeText(v: DiagramVerdict): string {
  switch (v.verdict) {
    case 'allow':
      return `${v.direction} ✓ allow`;
    case 'deny':
      return `${v.direction} ✕ deny`;
    case 'unknown':
      return `${v.direction} ? unknown`;
    case 'mixed': {
      const count = (verdict: string) => v.byPath.filter((p) => p.verdict === verdict).length;
      return [`${v.direction}:`, ...(['allow', 'deny', 'unknown'] as const).filter((x) => count(x) > 0).map((x) => `${count(x)} ${x}`)].join(' ').replace(/(\d+ \w+) (\d)/g, '$1 · $2');
    }
  }
}

/** Lays out the inside of a box. `minWidth` lets a lane give its boxes the width of its title. */
export function nodeBox(node: DiagramNode, measure: MeasureText, minWidth: number = BOX.minWidth, maxFacts: number = BOX.maxFacts, maxWidth: number = BOX.maxWidth): NodeBox {
  const textMax = Math.max(maxWidth, minWidth) - BOX.padLeft - BOX.padRight;
  const markText = node.status === 'drop' ? '✕' : node.status === 'unknown' ? '?' : undefined;
  const markWidth = markText ? measure(markText, 'mark').width + BOX.markGap : 0;
  const lines: BoxLine[] = [];
  let top = BOX.padTop;
  let widest = 0;
  for (const [i, line] of wrapText(node.title, textMax - markWidth, 'title', measure).entries()) {
    lines.push({ style: 'title', text: line.text, x: BOX.padLeft, baseline: baselineIn(top, 'title'), width: line.width, truncated: line.truncated, ...(i > 0 ? { continued: true } : {}) });
    widest = Math.max(widest, line.width + markWidth);
    top += TEXT_STYLES.title.lineHeight;
  }
  if (node.subtitle) {
    // a narrow (overview) box wraps its subtitle rather than cut the node name off
    for (const [i, line] of wrapText(node.subtitle, textMax, 'subtitle', measure, maxWidth < BOX.maxWidth ? 2 : 1).entries()) {
      lines.push({ style: 'subtitle', text: line.text, x: BOX.padLeft, baseline: baselineIn(top, 'subtitle'), width: line.width, truncated: line.truncated, ...(i > 0 ? { continued: true } : {}) });
      widest = Math.max(widest, line.width);
      top += TEXT_STYLES.subtitle.lineHeight;
    }
  }
  for (const f of node.facts.slice(0, maxFacts)) {
    const prefix = f.name ? `${f.name} ` : '';
    const fit = fitText(f.value, textMax, 'fact', measure, prefix);
    lines.push({ style: 'fact', text: `${prefix}${fit.text}`, name: f.name, value: fit.text, x: BOX.padLeft, baseline: baselineIn(top, 'fact'), width: fit.width, truncated: fit.truncated });
    widest = Math.max(widest, fit.width);
    top += TEXT_STYLES.fact.lineHeight;
  }
  let badge: BoxBadge | undefined;
  if (node.verdict) {
    const text = verdictBadgeText(node.verdict);
    const fit = fitText(text, textMax - 2 * BOX.badgePadX, 'badge', measure);
    const width = fit.width + 2 * BOX.badgePadX;
    top += BOX.badgeGap;
    badge = { text: fit.text, verdict: node.verdict.verdict, x: BOX.padLeft - 3, y: top, width, height: BOX.badgeHeight, textX: BOX.padLeft - 3 + BOX.badgePadX, baseline: baselineIn(top + (BOX.badgeHeight - TEXT_STYLES.badge.lineHeight) / 2, 'badge') };
    widest = Math.max(widest, width - 3);
    top += BOX.badgeHeight;
  }
  const width = Math.ceil(Math.min(Math.max(maxWidth, minWidth), Math.max(minWidth, BOX.padLeft + widest + BOX.padRight)));
  const title = lines[0] as BoxLine;
  const mark = markText ? { text: markText, x: width - BOX.padRight - measure(markText, 'mark').width, baseline: title.baseline, width: measure(markText, 'mark').width } : undefined;
  return { width, height: Math.ceil(top + BOX.padBottom), lines, ...(mark ? { mark } : {}), ...(badge ? { badge } : {}) };
}
