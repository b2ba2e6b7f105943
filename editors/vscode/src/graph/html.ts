// The webview page for the pipeline graph: self-contained HTML, CSS and JS (no CDN,
// no external resources), locked down with a Content-Security-Policy nonce.
// No `vscode` import: unit-tested directly.

import { escapeXml } from './svg';

export interface GraphPageInput {
  /** Title shown in the toolbar (usually the file name). */
  title: string;
  /** The rendered SVG, or undefined when there is nothing to draw. */
  svg?: string;
  nodeCount: number;
  edgeCount: number;
  /** Signals present in the graph, for the legend. */
  signals: string[];
  warnings: string[];
  /** An error to show instead of the graph. */
  error?: string;
  /** A random string for the CSP nonce. */
  nonce: string;
  /** `webview.cspSource`. */
  cspSource: string;
}

/** Messages the page sends to the extension. */
export type GraphPageMessage = { type: 'reveal'; id: string } | { type: 'refresh' };

export function isGraphPageMessage(m: unknown): m is GraphPageMessage {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'refresh') return true;
  return t === 'reveal' && typeof (m as { id?: unknown }).id === 'string';
}

export function makeNonce(random: () => number = Math.random): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars.charAt(Math.floor(random() * chars.length));
  return s;
}

const STYLE = `
:root { color-scheme: light dark; }
body { margin: 0; padding: 0; font-family: var(--vscode-font-family); font-size: var(--vscode-font-size);
  color: var(--vscode-foreground); background: var(--vscode-editor-background); overflow: hidden;
  display: flex; flex-direction: column; height: 100vh; }
.toolbar { display: flex; gap: 8px; align-items: center; padding: 6px 10px;
  border-bottom: 1px solid var(--vscode-panel-border, rgba(128,128,128,.35)); }
.toolbar .title { font-weight: 600; margin-right: auto; }
.toolbar .summary { opacity: .8; }
button { font: inherit; color: var(--vscode-button-foreground); background: var(--vscode-button-background);
  border: none; padding: 3px 10px; border-radius: 2px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
.legend { display: flex; gap: 12px; padding: 4px 10px; font-size: 90%; }
.legend span::before { content: ""; display: inline-block; width: 18px; height: 3px; margin-right: 5px;
  vertical-align: middle; background: currentColor; }
.message { padding: 16px; }
.error { color: var(--vscode-errorForeground); white-space: pre-wrap; }
.warnings { padding: 4px 10px; color: var(--vscode-editorWarning-foreground); font-size: 90%; }
#viewport { flex: 1; min-height: 0; overflow: hidden; cursor: grab; }
#viewport.dragging { cursor: grabbing; }
svg.pipeline-graph { width: 100%; height: 100%; user-select: none; }
.node rect { fill: var(--vscode-editorWidget-background, #252526); stroke: var(--vscode-editorWidget-border, #888); stroke-width: 1.2; }
.node text { fill: var(--vscode-editor-foreground); font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }
.node.navigable { cursor: pointer; }
.node.navigable:hover rect, .node:focus rect { stroke: var(--vscode-focusBorder); stroke-width: 2; }
.node:focus { outline: none; }
.node .kind-bar { stroke: none; fill: var(--vscode-charts-blue, #3794ff); }
.node.kind-custom .kind-bar, .node.kind-declare .kind-bar, .node.kind-import .kind-bar { fill: var(--vscode-charts-purple, #b180d7); }
.node.kind-config .kind-bar, .node.kind-service .kind-bar { fill: var(--vscode-charts-yellow, #cca700); }
.node.kind-argument .kind-bar, .node.kind-export .kind-bar { fill: var(--vscode-charts-orange, #d18616); }
.node.kind-unresolved rect { stroke-dasharray: 4 3; }
.node.kind-unresolved .kind-bar { fill: var(--vscode-disabledForeground, #888); }
.node.health-healthy rect:first-of-type { stroke: var(--vscode-testing-iconPassed, #73c991); }
.node.health-unhealthy rect:first-of-type { stroke: var(--vscode-errorForeground, #f14c4c); stroke-width: 2; }
.node.health-exited rect:first-of-type { stroke: var(--vscode-disabledForeground, #888); stroke-dasharray: 2 2; }
.edge { fill: none; stroke: var(--vscode-editorLineNumber-foreground, #888); stroke-width: 1.6; }
.edge.reversed { stroke-dasharray: 6 4; }
.arrow-head { fill: var(--vscode-editorLineNumber-foreground, #888); }
.edge.signal-metrics, .legend .signal-metrics { stroke: #e5a00d; color: #e5a00d; }
.edge.signal-logs, .legend .signal-logs { stroke: #3fb950; color: #3fb950; }
.edge.signal-traces, .legend .signal-traces { stroke: #4493f8; color: #4493f8; }
.edge.signal-profiles, .legend .signal-profiles { stroke: #bc8cff; color: #bc8cff; }
.edge.signal-targets, .legend .signal-targets { stroke: #8b949e; color: #8b949e; }
`;

// Runs inside the webview. Pan with drag, zoom with the wheel, click or Enter on a node
// to open its definition. The view box is kept in the webview state across refreshes.
const SCRIPT = `
(function () {
  const vscode = acquireVsCodeApi();
  const viewport = document.getElementById('viewport');
  const svg = viewport ? viewport.querySelector('svg') : null;
  const refresh = document.getElementById('refresh');
  if (refresh) refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  if (!svg) return;
  const full = svg.viewBox.baseVal;
  const initial = { x: full.x, y: full.y, w: full.width, h: full.height };
  const saved = vscode.getState();
  let vb = saved && saved.viewBox && saved.size === initial.w + 'x' + initial.h ? saved.viewBox : Object.assign({}, initial);
  function apply() {
    svg.setAttribute('viewBox', vb.x + ' ' + vb.y + ' ' + vb.w + ' ' + vb.h);
    vscode.setState({ viewBox: vb, size: initial.w + 'x' + initial.h });
  }
  function fit() {
    const r = viewport.getBoundingClientRect();
    const scale = Math.max(initial.w / Math.max(1, r.width), initial.h / Math.max(1, r.height), 1);
    vb = { w: r.width * scale, h: r.height * scale, x: 0, y: 0 };
    vb.x = (initial.w - vb.w) / 2; vb.y = (initial.h - vb.h) / 2;
    apply();
  }
  const fitButton = document.getElementById('fit');
  if (fitButton) fitButton.addEventListener('click', fit);
  svg.removeAttribute('width'); svg.removeAttribute('height');
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  if (!saved || !saved.viewBox) fit(); else apply();
  window.addEventListener('resize', () => apply());
  viewport.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const r = svg.getBoundingClientRect();
    const k = ev.deltaY > 0 ? 1.1 : 1 / 1.1;
    const px = vb.x + ((ev.clientX - r.left) / r.width) * vb.w;
    const py = vb.y + ((ev.clientY - r.top) / r.height) * vb.h;
    vb = { x: px - (px - vb.x) * k, y: py - (py - vb.y) * k, w: vb.w * k, h: vb.h * k };
    apply();
  }, { passive: false });
  let drag = null;
  viewport.addEventListener('mousedown', (ev) => {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, vb: Object.assign({}, vb), moved: false };
    viewport.classList.add('dragging');
  });
  window.addEventListener('mousemove', (ev) => {
    if (!drag) return;
    const r = svg.getBoundingClientRect();
    const dx = ((ev.clientX - drag.x) / r.width) * vb.w;
    const dy = ((ev.clientY - drag.y) / r.height) * vb.h;
    if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 3) drag.moved = true;
    vb = { x: drag.vb.x - dx, y: drag.vb.y - dy, w: vb.w, h: vb.h };
    apply();
  });
  window.addEventListener('mouseup', () => { viewport.classList.remove('dragging'); setTimeout(() => { drag = null; }, 0); });
  function open(el) {
    const id = el.getAttribute('data-id');
    if (id !== null) vscode.postMessage({ type: 'reveal', id: id });
  }
  svg.querySelectorAll('g.node').forEach((el) => {
    el.addEventListener('click', () => { if (!drag || !drag.moved) open(el); });
    el.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') open(el); });
  });
})();
`;

export function renderGraphPage(input: GraphPageInput): string {
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${input.nonce}'`,
    `script-src 'nonce-${input.nonce}'`,
    `img-src ${input.cspSource} data:`,
    `font-src ${input.cspSource}`,
  ].join('; ');
  const legend = input.signals.length
    ? `<div class="legend">${input.signals
        .map((s) => `<span class="signal-${escapeXml(s.toLowerCase().replace(/[^a-z0-9_-]+/g, '-'))}">${escapeXml(s)}</span>`)
        .join('')}</div>`
    : '<div class="legend"></div>';
  const warnings = input.warnings.length
    ? `<div class="warnings" title="${escapeXml(input.warnings.join('\n'))}">${input.warnings.length} warning(s) in the server's graph: ${escapeXml(input.warnings[0])}${input.warnings.length > 1 ? ' …' : ''}</div>`
    : '';
  let body: string;
  if (input.error !== undefined) {
    body = `<div class="message error">${escapeXml(input.error)}</div>`;
  } else if (input.svg === undefined || input.nodeCount === 0) {
    body = '<div class="message">This configuration has no components to show.</div>';
  } else {
    body = `<div id="viewport">${input.svg}</div>`;
  }
  const summary =
    input.error === undefined ? `${input.nodeCount} node${input.nodeCount === 1 ? '' : 's'}, ${input.edgeCount} edge${input.edgeCount === 1 ? '' : 's'}` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Alloy pipeline: ${escapeXml(input.title)}</title>
<style nonce="${input.nonce}">${STYLE}</style>
</head>
<body>
<div class="toolbar"><span class="title">${escapeXml(input.title)}</span><span class="summary">${summary}</span><button id="fit" type="button">Fit</button><button id="refresh" type="button">Refresh</button></div>
${legend}
${warnings}
${body}
<script nonce="${input.nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
