/** The webview page's own stylesheet (toolbar, canvas, details pane), themed with VS Code's variables. */
export const PAGE_CSS = `
html, body { height: 100%; margin: 0; padding: 0; overflow: hidden; }
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size, 13px); color: var(--vscode-foreground); background: var(--vscode-editor-background); }
.app { display: flex; flex-direction: column; height: 100vh; }
.toolbar { display: flex; align-items: center; gap: 8px; padding: 6px 10px; border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); min-height: 28px; }
.toolbar .title { font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; min-width: 0; flex: 0 1 auto; }
.toolbar .destination { min-width: 220px; max-width: 380px; flex: 0 1 320px; }
.toolbar .verdict { white-space: nowrap; font-weight: 600; }
.toolbar .verdict.verdict-allow { color: var(--vscode-charts-green); }
.toolbar .verdict.verdict-deny { color: var(--vscode-charts-red); }
.toolbar .verdict.verdict-unknown { color: var(--vscode-descriptionForeground); }
.toolbar .spacer { flex: 1 1 auto; }
.toolbar .zoom-level { min-width: 3.5em; text-align: center; font-variant-numeric: tabular-nums; color: var(--vscode-descriptionForeground); }
.toolbar .flow-status { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 220px; color: var(--vscode-descriptionForeground); }
.toolbar .flow-status:empty { display: none; }
.notice { padding: 4px 10px; color: var(--vscode-editorWarning-foreground, var(--vscode-foreground)); background: var(--vscode-inputValidation-warningBackground, transparent); border-bottom: 1px solid var(--vscode-inputValidation-warningBorder, transparent); }
.notice[hidden] { display: none; }
.content { flex: 1 1 auto; display: flex; min-height: 0; }
.canvas { flex: 1 1 auto; position: relative; overflow: hidden; cursor: grab; outline: none; touch-action: none; }
.canvas.panning { cursor: grabbing; }
.canvas svg { display: block; width: 100%; height: 100%; user-select: none; }
.canvas .node { cursor: pointer; }
.canvas .empty { padding: 24px; color: var(--vscode-descriptionForeground); }
.details { flex: 0 0 min(360px, 45%); width: min(360px, 45%); box-sizing: border-box; border-left: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); overflow: auto; padding: 8px 14px 16px; background: var(--vscode-sideBar-background, var(--vscode-editor-background)); }
.details[hidden] { display: none; }
.details-header { display: flex; align-items: flex-start; gap: 8px; }
.details-title { font-size: 1.15em; margin: 6px 0 2px; flex: 1 1 auto; overflow-wrap: anywhere; }
.details-subtitle { margin: 0 0 6px; color: var(--vscode-descriptionForeground); }
.details-badges { display: flex; flex-wrap: wrap; gap: 4px; margin: 6px 0; }
.details h3 { font-size: 0.95em; margin: 14px 0 6px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--vscode-descriptionForeground); }
.details-reason { color: var(--vscode-editorWarning-foreground, var(--vscode-foreground)); overflow-wrap: anywhere; }
.details .facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 10px; margin: 0; }
.details .facts dt { color: var(--vscode-descriptionForeground); }
.details .facts dd { margin: 0; min-width: 0; }
.details .fact-value { display: block; font-family: var(--vscode-editor-font-family, monospace); overflow-wrap: anywhere; }
.details .source { display: block; font-size: 0.9em; color: var(--vscode-descriptionForeground); overflow-wrap: anywhere; }
.details .hop-body { padding: 4px 4px 8px; }
.details .hop-text { margin: 0 0 6px; overflow-wrap: anywhere; }
.details vscode-collapsible { margin-bottom: 4px; }
.details .verdict-row { border-left: 3px solid var(--vscode-descriptionForeground); padding: 2px 0 4px 8px; margin-bottom: 8px; }
.details .verdict-row.verdict-allow { border-color: var(--vscode-charts-green); }
.details .verdict-row.verdict-deny { border-color: var(--vscode-charts-red); }
.details .verdict-head { font-weight: 600; }
.details .verdict-reason { margin: 2px 0; overflow-wrap: anywhere; }
.details .verdict-rule code { font-family: var(--vscode-editor-font-family, monospace); overflow-wrap: anywhere; }
.details .details-paths { margin: 0; padding-left: 18px; }
.details .ref-row { display: flex; flex-direction: column; gap: 4px; margin-bottom: 10px; }
.details .ref-label { overflow-wrap: anywhere; }
.details .ref-buttons { display: flex; gap: 6px; flex-wrap: wrap; }
body[data-lens-theme^="high-contrast"] .cni-diagram .node-box { stroke-width: 2.5; }
body[data-lens-theme^="high-contrast"] .cni-diagram .edge { stroke: var(--vscode-contrastBorder, currentColor); stroke-width: 2; }
body[data-lens-theme^="high-contrast"] .cni-diagram .lane-band.lane-odd { fill: transparent; stroke: var(--vscode-contrastBorder, transparent); }
`;
