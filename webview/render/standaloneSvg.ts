/**
 * A diagram as a standalone SVG document: fixed palette, the stylesheet embedded, a title block, no
 * script. The CLI writes it; the webview's "Export SVG" and "Export PNG" use it too.
 */
import type { DiagramFlowOverlay, DiagramGraph } from '../../src/shared/protocol';
import type { MeasureText } from '../../src/core/analysis/diagram/textMetrics';
import type { ElkNodeLike } from '../../src/core/analysis/diagram/toElkGraph';
import { diagramCss, STANDALONE_PALETTE, type DiagramPalette } from './diagramStyles';
import { renderDiagram } from './renderDiagram';
import { StringSvgDocument } from './svgDocument';

export interface StandaloneOptions {
  measure: MeasureText;
  title: string;
  subtitle?: string;
  palette?: DiagramPalette;
  /** Hubble flows on the edges and boxes. */
  overlay?: DiagramFlowOverlay;
}

export function standaloneSvg(graph: DiagramGraph, layout: ElkNodeLike, options: StandaloneOptions): { svg: string; width: number; height: number } {
  const rendered = renderDiagram(new StringSvgDocument(), graph, layout, {
    measure: options.measure,
    css: diagramCss(options.palette ?? STANDALONE_PALETTE),
    header: { title: options.title, ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    idPrefix: 'cni-export',
    ...(options.overlay ? { overlay: options.overlay } : {}),
  });
  return { svg: `<?xml version="1.0" encoding="UTF-8"?>\n${rendered.svg.serialize()}\n`, width: rendered.width, height: rendered.height };
}
