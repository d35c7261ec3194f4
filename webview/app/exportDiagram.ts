/** "Export SVG" and "Export PNG": the standalone SVG (fixed palette), and that SVG drawn on a canvas. */
import type { DiagramFlowOverlay, DiagramGraph } from '../../src/shared/protocol';
import type { MeasureText } from '../../src/core/analysis/diagram/textMetrics';
import type { ElkNodeLike } from '../../src/core/analysis/diagram/toElkGraph';
import { standaloneSvg } from '../render/standaloneSvg';

export function exportSvgText(graph: DiagramGraph, layout: ElkNodeLike, measure: MeasureText, subtitle: string, overlay?: DiagramFlowOverlay): { svg: string; width: number; height: number } {
  return standaloneSvg(graph, layout, { measure, title: graph.title, subtitle, ...(overlay ? { overlay } : {}) });
}

function base64OfUtf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The SVG as a PNG at `scale`, base64 without the `data:` prefix. */
export async function svgToPngBase64(doc: Document, svg: string, width: number, height: number, scale = 2): Promise<string> {
  const img = new Image();
  const loaded = new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('the SVG could not be drawn'));
  });
  img.src = `data:image/svg+xml;base64,${base64OfUtf8(svg)}`;
  await loaded;
  const canvas = doc.createElement('canvas');
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}
