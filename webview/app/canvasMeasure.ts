/** Measures diagram text with a canvas in the font the SVG is drawn with, so every label fits its box. */
import { TEXT_STYLES, type MeasureText, type TextMetrics } from '../../src/core/analysis/diagram/textMetrics';

export function canvasMeasure(doc: Document, fontFamily: string): MeasureText {
  const ctx = doc.createElement('canvas').getContext('2d');
  const cache = new Map<string, TextMetrics>();
  return (text, style = 'fact') => {
    const key = `${style}\u0000${text}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const spec = TEXT_STYLES[style];
    let width = text.length * spec.size * 0.62;
    if (ctx) {
      ctx.font = `${spec.weight} ${spec.size}px ${fontFamily}`;
      width = ctx.measureText(text).width;
    }
    // one pixel for the rounding of SVG text layout
    const metrics = { width: Math.ceil(width) + 1, height: spec.lineHeight };
    cache.set(key, metrics);
    return metrics;
  };
}
