/**
 * The diagram as an ELK graph: `layered`, left to right, one partition per lane so the lanes are
 * columns in their fixed order (pod netns, Cilium, host routing, ENI, VPC, destinations). Paths run
 * right on the way out and come back left on the destination's node: ELK turns those edges around.
 * Box sizes come from `nodeBox` with the caller's text measurer (canvas in the webview, a width
 * table in Node), so every label fits its box.
 */
import { DIAGRAM_LANES, type DiagramGraph, type DiagramLane, type DiagramNode } from './diagramTypes';
import { BOX, nodeBox, type NodeBox } from './nodeBox';
import type { MeasureText } from './textMetrics';

export interface ElkPointLike {
  x: number;
  y: number;
}

export interface ElkSectionLike {
  id?: string;
  startPoint: ElkPointLike;
  endPoint: ElkPointLike;
  bendPoints?: ElkPointLike[];
}

export interface ElkEdgeLike {
  id: string;
  sources: string[];
  targets: string[];
  sections?: ElkSectionLike[];
}

export interface ElkNodeLike {
  id: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  layoutOptions?: Record<string, string>;
  children?: ElkNodeLike[];
  edges?: ElkEdgeLike[];
}

/** Space above the boxes for the lane titles. */
export const LANE_TITLE_SPACE = 40;

export const ELK_LAYOUT_OPTIONS: Readonly<Record<string, string>> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.partitioning.activate': 'true',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.spacing.nodeNode': '26',
  'elk.layered.spacing.nodeNodeBetweenLayers': '44',
  'elk.spacing.edgeNode': '16',
  'elk.spacing.edgeEdge': '12',
  'elk.layered.spacing.edgeNodeBetweenLayers': '20',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '12',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.crossingMinimization.forceNodeModelOrder': 'false',
  'elk.padding': `[top=${LANE_TITLE_SPACE + 8},left=24,bottom=24,right=24]`,
};

export function laneIndex(lane: DiagramLane): number {
  return DIAGRAM_LANES.findIndex((l) => l.lane === lane);
}

/** The width a lane gives its boxes at least: its title fits above them. */
export function laneMinWidth(lane: DiagramLane, measure: MeasureText): number {
  const title = DIAGRAM_LANES.find((l) => l.lane === lane)?.title ?? lane;
  return Math.max(BOX.minWidth, Math.ceil(measure(title, 'lane').width + 12));
}

/** The box of `node` as this graph draws it: as wide as its lane's title at least; fewer facts in an overview. */
export function graphNodeBox(graph: Pick<DiagramGraph, 'kind'>, node: DiagramNode, measure: MeasureText): NodeBox {
  const overview = graph.kind === 'overview';
  return nodeBox(node, measure, laneMinWidth(node.lane, measure), overview ? BOX.maxFactsOverview : BOX.maxFacts, overview ? BOX.maxWidthOverview : BOX.maxWidth);
}

/** An overview's six lanes sit closer together, so that it fits a 1200 px panel's width at 100%. */
export const ELK_OVERVIEW_OPTIONS: Readonly<Record<string, string>> = {
  'elk.layered.spacing.nodeNodeBetweenLayers': '18',
  'elk.layered.spacing.edgeNodeBetweenLayers': '10',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '8',
  'elk.spacing.edgeEdge': '8',
  'elk.padding': `[top=${LANE_TITLE_SPACE + 8},left=12,bottom=24,right=12]`,
};

export function toElkGraph(graph: DiagramGraph, measure: MeasureText): ElkNodeLike & { children: ElkNodeLike[]; edges: ElkEdgeLike[] } {
  return {
    id: 'root',
    layoutOptions: { ...ELK_LAYOUT_OPTIONS, ...(graph.kind === 'overview' ? ELK_OVERVIEW_OPTIONS : {}) },
    children: graph.nodes.map((node) => {
      const box = graphNodeBox(graph, node, measure);
      return { id: node.id, width: box.width, height: box.height, layoutOptions: { 'elk.partitioning.partition': String(laneIndex(node.lane)) } };
    }),
    edges: graph.edges.map((e) => ({ id: e.id, sources: [e.from], targets: [e.to] })),
  };
}
