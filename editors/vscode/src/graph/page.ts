// From a raw `alloy/graph` answer to the webview page. No `vscode` import.

import { renderGraphPage } from './html';
import { DEFAULT_LAYOUT_OPTIONS, layoutGraph } from './layout';
import { KNOWN_SIGNALS, normalizeGraph, type PipelineGraph } from './protocol';
import { renderSvg } from './svg';

export interface GraphPageResult {
  html: string;
  /** The validated graph (undefined when the answer was unusable). */
  graph?: PipelineGraph;
}

/** Signals for the legend: known ones in a fixed order, then others alphabetically. */
export function signalsOf(graph: PipelineGraph): string[] {
  const present = new Set(graph.edges.map((e) => e.signal).filter((s): s is string => s !== undefined));
  const known = KNOWN_SIGNALS.filter((s) => present.has(s));
  const other = [...present].filter((s) => !(KNOWN_SIGNALS as readonly string[]).includes(s)).sort();
  return [...known, ...other];
}

export function graphPage(
  raw: unknown,
  ctx: { title: string; nonce: string; cspSource: string },
): GraphPageResult {
  if (raw === null || raw === undefined) {
    return {
      html: renderGraphPage({
        ...ctx,
        nodeCount: 0,
        edgeCount: 0,
        signals: [],
        warnings: [],
        error: 'The language server has no pipeline graph for this document.',
      }),
    };
  }
  let normalized;
  try {
    normalized = normalizeGraph(raw);
  } catch (err) {
    return {
      html: renderGraphPage({
        ...ctx,
        nodeCount: 0,
        edgeCount: 0,
        signals: [],
        warnings: [],
        error: err instanceof Error ? err.message : String(err),
      }),
    };
  }
  const { graph, warnings } = normalized;
  const layout = layoutGraph(graph);
  const svg = renderSvg(graph, layout, {
    charWidth: DEFAULT_LAYOUT_OPTIONS.charWidth,
    nodePadding: DEFAULT_LAYOUT_OPTIONS.nodePadding,
  });
  return {
    graph,
    html: renderGraphPage({
      ...ctx,
      svg,
      nodeCount: graph.nodes.length,
      edgeCount: graph.edges.length,
      signals: signalsOf(graph),
      warnings,
    }),
  };
}

/** Error page (request failed, server not running, ...). */
export function errorPage(message: string, ctx: { title: string; nonce: string; cspSource: string }): string {
  return renderGraphPage({ ...ctx, nodeCount: 0, edgeCount: 0, signals: [], warnings: [], error: message });
}
