/**
 * Lays a diagram out with ELK (the same options in the webview and the CLI), then turns it upside
 * down when that puts the pod the diagram is about nearer the top: a reader starts top left.
 */
import type { DiagramGraph } from '../../src/shared/protocol';
import type { MeasureText } from '../../src/core/analysis/diagram/textMetrics';
import { toElkGraph, type ElkNodeLike, type ElkPointLike } from '../../src/core/analysis/diagram/toElkGraph';

/** The part of elkjs's API the diagram uses. */
export interface ElkLayouter {
  layout(graph: ElkNodeLike): Promise<ElkNodeLike>;
}

export async function layoutDiagram(elk: ElkLayouter, graph: DiagramGraph, measure: MeasureText): Promise<ElkNodeLike> {
  const layout = await elk.layout(toElkGraph(graph, measure));
  return subjectOnTop(graph, layout);
}

/** The box of the diagram's subject: the source pod of a path, the pod of an overview. */
export function subjectNodeId(graph: DiagramGraph): string | undefined {
  return (graph.nodes.find((n) => n.lane === 'pod' && n.refs.some((r) => r.kind === 'pod' && r.key === graph.subject)) ?? graph.nodes[0])?.id;
}

/** Mirrors the layout top to bottom (boxes and edge routes) when the subject's box is in the lower half. */
export function subjectOnTop(graph: DiagramGraph, layout: ElkNodeLike): ElkNodeLike {
  const children = layout.children ?? [];
  const subject = children.find((c) => c.id === subjectNodeId(graph));
  if (!subject || children.length < 2) return layout;
  const points: ElkPointLike[] = (layout.edges ?? []).flatMap((e) => (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]));
  const ys = [...children.flatMap((c) => [c.y ?? 0, (c.y ?? 0) + (c.height ?? 0)]), ...points.map((p) => p.y)];
  const top = Math.min(...ys);
  const bottom = Math.max(...ys);
  const centre = (subject.y ?? 0) + (subject.height ?? 0) / 2;
  // lane by lane the subject is alone in its lane only at the edges; flip only when clearly lower
  if (centre - top <= (bottom - top) / 2) return layout;
  const flip = (y: number) => top + bottom - y;
  return {
    ...layout,
    children: children.map((c) => ({ ...c, y: flip((c.y ?? 0) + (c.height ?? 0)) })),
    edges: (layout.edges ?? []).map((e) => ({
      ...e,
      ...(e.sections
        ? { sections: e.sections.map((s) => ({ ...s, startPoint: { x: s.startPoint.x, y: flip(s.startPoint.y) }, endPoint: { x: s.endPoint.x, y: flip(s.endPoint.y) }, ...(s.bendPoints ? { bendPoints: s.bendPoints.map((p) => ({ x: p.x, y: flip(p.y) })) } : {}) })) }
        : {}),
    })),
  };
}
