// Renders a laid-out pipeline graph as a self-contained SVG string.
// Styling comes from CSS classes (see html.ts), so the SVG follows the VS Code theme.
// No `vscode` import: unit-tested directly.

import type { Layout, Point } from './layout';
import { nodeLabel, type GraphNode, type PipelineGraph } from './protocol';

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A CSS class fragment from free text (`otelcol.Consumer` -> `otelcol-consumer`). */
export function cssToken(s: string): string {
  const t = s.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return t === '' ? 'other' : t;
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Smooth path through the points with horizontal tangents (suits left-to-right layouts). */
export function edgePath(points: readonly Point[], selfLoop = false): string {
  if (points.length === 0) return '';
  if (selfLoop && points.length === 4) {
    const [a, b, c, d] = points;
    return `M${fmt(a.x)},${fmt(a.y)} C${fmt(b.x)},${fmt(b.y)} ${fmt(c.x)},${fmt(c.y)} ${fmt(d.x)},${fmt(d.y)}`;
  }
  let d = `M${fmt(points[0].x)},${fmt(points[0].y)}`;
  for (let i = 1; i < points.length; i++) {
    const p0 = points[i - 1];
    const p1 = points[i];
    const dx = (p1.x - p0.x) / 2;
    d += ` C${fmt(p0.x + dx)},${fmt(p0.y)} ${fmt(p1.x - dx)},${fmt(p1.y)} ${fmt(p1.x)},${fmt(p1.y)}`;
  }
  return d;
}

/** Shortens a label that would not fit into `maxChars` characters. */
export function truncate(label: string, maxChars: number): string {
  const chars = [...label];
  if (chars.length <= maxChars) return label;
  return chars.slice(0, Math.max(1, maxChars - 1)).join('') + '…';
}

function tooltip(node: GraphNode): string {
  const lines = [node.id, `kind: ${node.kind}`];
  if (node.health) lines.push(`health: ${node.health}`);
  if (node.file) lines.push(node.file);
  if (node.range) lines.push(`line ${node.range.start.line + 1}`);
  return lines.join('\n');
}

export interface SvgOptions {
  charWidth: number;
  nodePadding: number;
}

export function renderSvg(
  graph: PipelineGraph,
  layout: Layout,
  options: SvgOptions = { charWidth: 7.2, nodePadding: 16 },
): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="pipeline-graph" width="${fmt(layout.width)}" height="${fmt(layout.height)}" viewBox="0 0 ${fmt(layout.width)} ${fmt(layout.height)}" role="img" aria-label="Alloy pipeline graph">`,
  );
  out.push(
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
      '<path d="M0,0 L10,5 L0,10 z" class="arrow-head"/></marker></defs>',
  );
  out.push('<g class="edges">');
  for (const e of layout.edges) {
    const classes = ['edge', `signal-${cssToken(e.signal ?? 'none')}`];
    if (e.reversed) classes.push('reversed');
    if (e.selfLoop) classes.push('self-loop');
    const title = `${e.from} → ${e.to}${e.signal ? ` (${e.signal})` : ''}`;
    out.push(
      `<path class="${classes.join(' ')}" d="${edgePath(e.points, e.selfLoop)}" marker-end="url(#arrow)" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}"><title>${escapeXml(title)}</title></path>`,
    );
  }
  out.push('</g>');
  out.push('<g class="nodes">');
  for (const ln of layout.nodes) {
    const node = byId.get(ln.id);
    if (!node) continue;
    const classes = ['node', `kind-${cssToken(node.kind)}`, `health-${cssToken(node.health ?? 'none')}`];
    if (node.range || node.file) classes.push('navigable');
    const maxChars = Math.max(1, Math.floor((ln.width - 2 * options.nodePadding) / options.charWidth));
    const text = truncate(nodeLabel(node), maxChars);
    out.push(
      `<g class="${classes.join(' ')}" data-id="${escapeXml(node.id)}" transform="translate(${fmt(ln.x)},${fmt(ln.y)})" tabindex="0">` +
        `<title>${escapeXml(tooltip(node))}</title>` +
        `<rect width="${fmt(ln.width)}" height="${fmt(ln.height)}" rx="6" ry="6"/>` +
        `<rect class="kind-bar" width="4" height="${fmt(ln.height)}" rx="2" ry="2"/>` +
        `<text x="${fmt(ln.width / 2)}" y="${fmt(ln.height / 2)}" dominant-baseline="central" text-anchor="middle">${escapeXml(text)}</text>` +
        '</g>',
    );
  }
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}
