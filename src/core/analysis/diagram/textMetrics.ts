/**
 * Text sizes of the diagram, and a text measurer for places without a browser (the CLI): widths from
 * the Helvetica/Arial metrics (Arial and Liberation Sans share them), the font the standalone SVG
 * names first. The webview measures with a canvas in the font it draws with.
 */

export type TextStyle = 'title' | 'subtitle' | 'fact' | 'badge' | 'lane' | 'legend' | 'header' | 'mark';

export interface TextStyleSpec {
  /** px */
  size: number;
  weight: 400 | 600;
  /** px between baselines */
  lineHeight: number;
}

export const TEXT_STYLES: Readonly<Record<TextStyle, TextStyleSpec>> = {
  title: { size: 13, weight: 600, lineHeight: 18 },
  subtitle: { size: 12, weight: 400, lineHeight: 16 },
  fact: { size: 12, weight: 400, lineHeight: 16 },
  badge: { size: 12, weight: 600, lineHeight: 16 },
  lane: { size: 13, weight: 600, lineHeight: 18 },
  legend: { size: 12, weight: 400, lineHeight: 16 },
  header: { size: 15, weight: 600, lineHeight: 20 },
  mark: { size: 13, weight: 600, lineHeight: 18 },
};

export interface TextMetrics {
  width: number;
  height: number;
}

/** Measures one line of text in a style of the diagram. */
export type MeasureText = (text: string, style?: TextStyle) => TextMetrics;

// Advance widths in 1/1000 em for ASCII 32–126 (Helvetica AFM; Arial has the same widths).
const REGULAR = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
  975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
  333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];
const OTHER: Readonly<Record<string, number>> = { '·': 278, '…': 1000, '→': 1000, '✓': 1000, '✕': 1000, '?': 556 };

/** Extra room for fonts a little wider than Arial where the SVG is viewed. */
const SAFETY = 1.06;

/** The width of `text` in Arial/Helvetica metrics, for the CLI's standalone SVG. */
export const approximateTextMeasure: MeasureText = (text, style = 'fact') => {
  const spec = TEXT_STYLES[style];
  const table = spec.weight >= 600 ? BOLD : REGULAR;
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    units += code >= 32 && code <= 126 ? (table[code - 32] as number) : (OTHER[ch] ?? 600);
  }
  return { width: Math.ceil((units / 1000) * spec.size * SAFETY), height: spec.lineHeight };
};
