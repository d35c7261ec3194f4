/** The texts of the flow overlay, shared by the webview and the CLI (no dependency beyond the types). */
import type { DiagramFlowOverlay, FlowCounts } from './flowOverlay';

/** `✓ 124  ✗ 3`: the badge of an edge. */
export function flowBadgeText(c: Pick<FlowCounts, 'forwarded' | 'dropped'>): string {
  const parts: string[] = [];
  if (c.forwarded > 0) parts.push(`✓ ${c.forwarded}`);
  if (c.dropped > 0) parts.push(`✗ ${c.dropped}`);
  return parts.join('  ');
}

/** `flows in the last 5 min, as of 09:13:15 UTC`. */
export function flowLegendText(o: Pick<DiagramFlowOverlay, 'windowSeconds' | 'asOf' | 'total' | 'placed'>): string {
  const minutes = Math.round(o.windowSeconds / 60);
  const asOf = /T(\d\d:\d\d:\d\d)/.exec(o.asOf)?.[1];
  return `Hubble flows in the last ${minutes} min${asOf ? `, as of ${asOf} UTC` : ''}: ✓ forwarded  ✗ dropped (${o.placed} of ${o.total} on the diagram)`;
}
