/**
 * The diagram's look as CSS on classes: one template, two palettes. In the webview the colours are
 * VS Code's theme variables (`--vscode-charts-*`, editor colours), so the diagram follows light,
 * dark and high-contrast themes; the CLI's standalone SVG embeds fixed colours.
 */
import type { DiagramOwner } from '../../src/shared/protocol';
import { TEXT_STYLES, type TextStyle } from '../../src/core/analysis/diagram/textMetrics';

export interface Swatch {
  stroke: string;
  fill: string;
}

export interface DiagramPalette {
  font: string;
  background: string;
  foreground: string;
  muted: string;
  laneOdd: string;
  laneEven: string;
  laneTitle: string;
  edge: string;
  owners: Readonly<Record<DiagramOwner, Swatch>>;
  allow: Swatch & { text: string };
  deny: Swatch & { text: string };
  unknown: Swatch & { text: string };
  mixed: Swatch & { text: string };
  drop: string;
  focus: string;
}

const tint = (color: string, percent: number, base = 'var(--vscode-editor-background)'): string => `color-mix(in srgb, ${color} ${percent}%, ${base})`;

function vscodeSwatch(chart: string): Swatch {
  return { stroke: `var(--vscode-charts-${chart})`, fill: tint(`var(--vscode-charts-${chart})`, 17) };
}

/** Colours from the VS Code theme the webview runs in. */
export const VSCODE_PALETTE: DiagramPalette = {
  font: 'var(--vscode-font-family, system-ui, sans-serif)',
  background: 'var(--vscode-editor-background)',
  foreground: 'var(--vscode-editor-foreground, var(--vscode-foreground))',
  muted: 'var(--vscode-descriptionForeground)',
  laneOdd: tint('var(--vscode-foreground)', 6, 'transparent'),
  laneEven: 'transparent',
  laneTitle: 'var(--vscode-foreground)',
  edge: tint('var(--vscode-foreground)', 62, 'transparent'),
  owners: {
    pod: vscodeSwatch('blue'),
    cilium: vscodeSwatch('yellow'),
    'vpc-cni': vscodeSwatch('green'),
    kubernetes: vscodeSwatch('purple'),
    vpc: vscodeSwatch('orange'),
    external: { stroke: 'var(--vscode-descriptionForeground)', fill: tint('var(--vscode-descriptionForeground)', 12) },
  },
  allow: { stroke: 'var(--vscode-charts-green)', fill: 'var(--vscode-charts-green)', text: 'var(--vscode-editor-background)' },
  deny: { stroke: 'var(--vscode-charts-red)', fill: 'var(--vscode-charts-red)', text: 'var(--vscode-editor-background)' },
  unknown: { stroke: 'var(--vscode-descriptionForeground)', fill: 'transparent', text: 'var(--vscode-editor-foreground, var(--vscode-foreground))' },
  mixed: { stroke: 'var(--vscode-charts-orange)', fill: 'transparent', text: 'var(--vscode-editor-foreground, var(--vscode-foreground))' },
  drop: 'var(--vscode-charts-red)',
  focus: 'var(--vscode-focusBorder)',
};

/** Fixed colours for the standalone SVG (light background, readable printed). */
export const STANDALONE_PALETTE: DiagramPalette = {
  font: 'Arial, "Liberation Sans", Helvetica, sans-serif',
  background: '#ffffff',
  foreground: '#1f2328',
  muted: '#57606a',
  laneOdd: '#f3f4f6',
  laneEven: '#ffffff',
  laneTitle: '#1f2328',
  edge: '#6e7781',
  owners: {
    pod: { stroke: '#1f6feb', fill: '#e2edfd' },
    cilium: { stroke: '#b08800', fill: '#fbf1cf' },
    'vpc-cni': { stroke: '#1a7f37', fill: '#dff3e4' },
    kubernetes: { stroke: '#8250df', fill: '#eee6fb' },
    vpc: { stroke: '#d1670a', fill: '#fce8d6' },
    external: { stroke: '#57606a', fill: '#eceef0' },
  },
  allow: { stroke: '#1a7f37', fill: '#1a7f37', text: '#ffffff' },
  deny: { stroke: '#cf222e', fill: '#cf222e', text: '#ffffff' },
  unknown: { stroke: '#57606a', fill: '#ffffff', text: '#1f2328' },
  mixed: { stroke: '#d1670a', fill: '#ffffff', text: '#1f2328' },
  drop: '#cf222e',
  focus: '#0969da',
};

const font = (style: TextStyle): string => `font-size: ${TEXT_STYLES[style].size}px; font-weight: ${TEXT_STYLES[style].weight};`;

/** The stylesheet of a diagram rendered with `renderDiagram`, scoped under `.cni-diagram`. */
export function diagramCss(p: DiagramPalette): string {
  const owners = (Object.entries(p.owners) as Array<[DiagramOwner, Swatch]>)
    .map(([owner, s]) => `.cni-diagram .owner-${owner} .node-box { fill: ${s.fill}; stroke: ${s.stroke}; }\n.cni-diagram .owner-${owner} .node-accent, .cni-diagram .swatch.owner-${owner} { fill: ${s.stroke}; }`)
    .join('\n');
  const verdicts = (['allow', 'deny', 'unknown', 'mixed'] as const)
    .map((v) => `.cni-diagram .badge-${v} .badge-box { fill: ${p[v].fill}; stroke: ${p[v].stroke}; }\n.cni-diagram .badge-${v} .badge-text { fill: ${p[v].text}; }`)
    .join('\n');
  return `
.cni-diagram { font-family: ${p.font}; }
.cni-diagram text { fill: ${p.foreground}; white-space: pre; }
.cni-diagram .background { fill: ${p.background}; }
.cni-diagram .lane-band.lane-odd { fill: ${p.laneOdd}; }
.cni-diagram .lane-band.lane-even { fill: ${p.laneEven}; }
.cni-diagram .lane-title { ${font('lane')} fill: ${p.laneTitle}; }
.cni-diagram .lane-title-rule { fill: none; stroke: none; }
.cni-diagram .lane-titles.stuck .lane-title-rule { stroke: ${p.edge}; stroke-width: 1; }
.cni-diagram .legend-line.status-denied { stroke: ${p.drop}; stroke-width: 2.2; }
.cni-diagram .header-title { ${font('header')} }
.cni-diagram .header-subtitle { ${font('subtitle')} fill: ${p.muted}; }
.cni-diagram .node-box { stroke-width: 1.5; }
.cni-diagram .node-title { ${font('title')} }
.cni-diagram .node-subtitle { ${font('subtitle')} fill: ${p.muted}; }
.cni-diagram .node-fact { ${font('fact')} }
.cni-diagram .fact-name { fill: ${p.muted}; }
.cni-diagram .node-mark { ${font('mark')} }
.cni-diagram .status-drop .node-box { stroke: ${p.drop}; stroke-width: 2.5; }
.cni-diagram .status-drop .node-mark { fill: ${p.drop}; }
.cni-diagram .status-unknown .node-box { stroke-dasharray: 6 4; }
.cni-diagram .status-unknown .node-mark { fill: ${p.muted}; }
.cni-diagram .status-absent .node-box { stroke-dasharray: 2 3; fill: ${p.background}; }
.cni-diagram .status-absent .node-title { fill: ${p.muted}; }
.cni-diagram .node.blocked { opacity: 0.55; }
.cni-diagram .badge-text { ${font('badge')} }
.cni-diagram .badge-box { stroke-width: 1.5; }
${owners}
${verdicts}
.cni-diagram .edge { fill: none; stroke: ${p.edge}; stroke-width: 1.6; }
.cni-diagram .edge-unknown { stroke-dasharray: 6 4; }
.cni-diagram .edge-drop { stroke: ${p.drop}; stroke-width: 2.2; }
.cni-diagram .edge-blocked { stroke-dasharray: 2 4; opacity: 0.55; }
.cni-diagram .arrow { fill: ${p.edge}; }
.cni-diagram .arrow-drop { fill: ${p.drop}; }
.cni-diagram .arrow-blocked { opacity: 0.55; }
.cni-diagram .drop-mark circle { fill: ${p.background}; stroke: ${p.drop}; stroke-width: 2; }
.cni-diagram .drop-mark path { stroke: ${p.drop}; stroke-width: 2.2; stroke-linecap: round; }
.cni-diagram .legend-text { ${font('legend')} }
.cni-diagram .legend-title { ${font('legend')} font-weight: 600; }
.cni-diagram .legend-line { fill: none; stroke: ${p.edge}; stroke-width: 1.6; }
.cni-diagram .legend-box { fill: ${p.background}; stroke: ${p.edge}; stroke-width: 1.5; }
.cni-diagram .legend-box.status-unknown, .cni-diagram .legend-line.status-unknown { stroke-dasharray: 6 4; }
.cni-diagram .legend-box.status-absent { stroke-dasharray: 2 3; }
.cni-diagram .legend-box.status-drop { stroke: ${p.drop}; stroke-width: 2.5; }
.cni-diagram .legend-line.status-blocked { stroke-dasharray: 2 4; opacity: 0.55; }
.cni-diagram .flow-badge-box { fill: ${p.background}; stroke: ${p.edge}; stroke-width: 1.2; }
.cni-diagram .flow-badge-text { ${font('badge')} }
.cni-diagram .flow-badge-text .flow-dropped { fill: ${p.drop}; }
.cni-diagram .flow-badge-drop .flow-badge-box { stroke: ${p.drop}; stroke-width: 1.8; }
.cni-diagram .edge-group.flow-drop .edge { stroke: ${p.drop}; stroke-width: 2.2; }
.cni-diagram .node.flow-drop .node-box { stroke: ${p.drop}; stroke-width: 2.5; }
.cni-diagram .flow-badge { cursor: pointer; }
.cni-diagram .flow-leader { fill: none; stroke: ${p.muted}; stroke-width: 1.2; stroke-dasharray: 2 2; }
.cni-diagram .flow-anchor { fill: ${p.muted}; }
.cni-diagram .flow-badge-drop .flow-leader { stroke: ${p.drop}; }
.cni-diagram .flow-badge-drop .flow-anchor { fill: ${p.drop}; }
.cni-diagram .flow-badge:focus { outline: none; }
.cni-diagram .flow-badge:focus-visible .flow-badge-box, .cni-diagram .flow-badge.selected .flow-badge-box { stroke: ${p.focus}; stroke-width: 2.5; }
.cni-diagram .node:focus { outline: none; }
.cni-diagram .node:focus-visible .node-box, .cni-diagram .node.selected .node-box { stroke: ${p.focus}; stroke-width: 3; }
`;
}
