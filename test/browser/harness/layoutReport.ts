/**
 * Layout-quality measurements of the drawn diagram, taken in the page from the SVG's own geometry
 * (`getBBox()`): boxes that overlap, labels that stick out of their box, edge ends that are not on a
 * box border, lane titles over boxes, and the smallest text size on screen.
 */
import type { Page } from 'playwright-core';

export interface LayoutReport {
  nodes: number;
  edges: number;
  /** Pairs of boxes that overlap. */
  overlaps: string[];
  /** Texts whose box is not inside their node's box. */
  overflows: string[];
  /** Edge ends farther than 2 px from the border of the box they start or end at. */
  edgeEnds: string[];
  /** Lane titles that overlap a box. */
  laneTitleOverlaps: string[];
  /** Smallest font size on screen, in CSS px (font size × zoom). */
  minScreenFontPx: number;
  /** The zoom of the initial view. */
  scale: number;
}

export function layoutReport(page: Page): Promise<LayoutReport> {
  return page.evaluate(() => {
    type R = { x: number; y: number; width: number; height: number };
    const svg = document.querySelector('svg.cni-diagram') as SVGSVGElement;
    const translation = (el: SVGGraphicsElement): { x: number; y: number } => {
      const m = el.transform.baseVal.consolidate()?.matrix;
      return { x: m?.e ?? 0, y: m?.f ?? 0 };
    };
    const overlap = (a: R, b: R, slack = 0) => a.x < b.x + b.width - slack && b.x < a.x + a.width - slack && a.y < b.y + b.height - slack && b.y < a.y + a.height - slack;
    const boxes = new Map<string, R>();
    const overflows: string[] = [];
    for (const g of Array.from(svg.querySelectorAll<SVGGElement>('g.node'))) {
      const id = g.getAttribute('data-node-id') ?? '?';
      const t = translation(g);
      const rect = (g.querySelector('.node-box') as SVGRectElement).getBBox();
      boxes.set(id, { x: rect.x + t.x, y: rect.y + t.y, width: rect.width, height: rect.height });
      for (const text of Array.from(g.querySelectorAll<SVGTextElement>('text'))) {
        const b = text.getBBox();
        if (b.x < rect.x - 0.5 || b.y < rect.y - 0.5 || b.x + b.width > rect.x + rect.width + 0.5 || b.y + b.height > rect.y + rect.height + 0.5) {
          overflows.push(`${id}: "${text.textContent}" ${b.x.toFixed(1)},${b.y.toFixed(1)} ${b.width.toFixed(1)}×${b.height.toFixed(1)} outside ${rect.width.toFixed(1)}×${rect.height.toFixed(1)}`);
        }
      }
    }
    const ids = [...boxes.keys()];
    const overlaps: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        if (overlap(boxes.get(ids[i] as string) as R, boxes.get(ids[j] as string) as R)) overlaps.push(`${ids[i]} × ${ids[j]}`);
      }
    }
    const onBorder = (p: { x: number; y: number }, r: R) => {
      const inside = p.x >= r.x - 2 && p.x <= r.x + r.width + 2 && p.y >= r.y - 2 && p.y <= r.y + r.height + 2;
      const deep = p.x > r.x + 2 && p.x < r.x + r.width - 2 && p.y > r.y + 2 && p.y < r.y + r.height - 2;
      return inside && !deep;
    };
    const edgeEnds: string[] = [];
    const groups = Array.from(svg.querySelectorAll<SVGGElement>('g.edge-group'));
    for (const g of groups) {
      const paths = Array.from(g.querySelectorAll<SVGPathElement>('path.edge'));
      const numbers = (paths[0]?.getAttribute('d') ?? '').match(/-?\d+(\.\d+)?/g)?.map(Number) ?? [];
      const lastNumbers = (paths[paths.length - 1]?.getAttribute('d') ?? '').match(/-?\d+(\.\d+)?/g)?.map(Number) ?? [];
      const start = { x: numbers[0] ?? NaN, y: numbers[1] ?? NaN };
      const end = { x: lastNumbers[lastNumbers.length - 2] ?? NaN, y: lastNumbers[lastNumbers.length - 1] ?? NaN };
      const from = boxes.get(g.getAttribute('data-from') ?? '');
      const to = boxes.get(g.getAttribute('data-to') ?? '');
      if (!from || !onBorder(start, from)) edgeEnds.push(`${g.getAttribute('data-edge-id')}: start ${start.x},${start.y} not on ${g.getAttribute('data-from')}`);
      if (!to || !onBorder(end, to)) edgeEnds.push(`${g.getAttribute('data-edge-id')}: end ${end.x},${end.y} not on ${g.getAttribute('data-to')}`);
    }
    const laneTitleOverlaps: string[] = [];
    for (const title of Array.from(svg.querySelectorAll<SVGTextElement>('.lane-title'))) {
      const b = title.getBBox();
      for (const [id, r] of boxes) if (overlap(b, r)) laneTitleOverlaps.push(`${title.textContent} × ${id}`);
    }
    const scale = svg.getScreenCTM()?.a ?? 1;
    let minScreenFontPx = Infinity;
    for (const text of Array.from(svg.querySelectorAll<SVGTextElement>('text'))) {
      if (!text.textContent?.trim()) continue;
      minScreenFontPx = Math.min(minScreenFontPx, parseFloat(getComputedStyle(text).fontSize) * scale);
    }
    return { nodes: boxes.size, edges: groups.length, overlaps, overflows, edgeEnds, laneTitleOverlaps, minScreenFontPx, scale };
  });
}
