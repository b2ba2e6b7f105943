// The `alloy/graph` custom request: types and validation of the server's answer.
// The protocol is documented in editors/vscode/README.md ("Pipeline graph protocol").
// No `vscode` import: unit-tested directly.

export const GRAPH_REQUEST_METHOD = 'alloy/graph';

export interface GraphParams {
  textDocument: { uri: string };
}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Node kinds the client knows how to style. Other strings are accepted and shown as-is. */
export const KNOWN_NODE_KINDS = [
  'component',
  'custom',
  'declare',
  'import',
  'config',
  'argument',
  'export',
  'service',
  'unresolved',
] as const;

export const HEALTH_VALUES = ['healthy', 'unhealthy', 'unknown', 'exited'] as const;
export type Health = (typeof HEALTH_VALUES)[number];

export const KNOWN_SIGNALS = ['metrics', 'logs', 'traces', 'profiles', 'targets'] as const;

export interface GraphNode {
  /** Unique node ID, e.g. `prometheus.scrape.default`. */
  id: string;
  /** `component`, `custom`, `declare`, `import`, `config`, `argument`, `export`, `service`, ... */
  kind: string;
  /** Display text; defaults to `id`. */
  label?: string;
  /** URI of the file that defines the node; defaults to the requested document. */
  file?: string;
  /** Range of the defining block (LSP positions: 0-based, UTF-16 characters). */
  range?: Range;
  health?: Health;
}

export interface GraphEdge {
  /** Node the data comes from. */
  from: string;
  /** Node the data goes to. */
  to: string;
  /** `metrics`, `logs`, `traces`, `profiles`, `targets`, or absent for other values. */
  signal?: string;
}

export interface PipelineGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface NormalizedGraph {
  graph: PipelineGraph;
  /** Problems found in the server's answer (shown in the webview, never fatal). */
  warnings: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPosition(v: unknown): v is Position {
  return (
    isObject(v) &&
    Number.isInteger(v.line) &&
    Number.isInteger(v.character) &&
    (v.line as number) >= 0 &&
    (v.character as number) >= 0
  );
}

function toRange(v: unknown): Range | undefined {
  if (!isObject(v) || !isPosition(v.start) || !isPosition(v.end)) return undefined;
  return {
    start: { line: v.start.line, character: v.start.character },
    end: { line: v.end.line, character: v.end.character },
  };
}

/**
 * Validates a raw `alloy/graph` result. Invalid entries are dropped with a warning;
 * edges that name an unknown node get a placeholder node of kind `unresolved`.
 * Throws only if the value is not a graph at all.
 */
export function normalizeGraph(raw: unknown): NormalizedGraph {
  if (!isObject(raw)) {
    throw new Error('alloy/graph: the server returned no graph object');
  }
  const warnings: string[] = [];
  const rawNodes = Array.isArray(raw.nodes) ? raw.nodes : [];
  const rawEdges = Array.isArray(raw.edges) ? raw.edges : [];
  if (!Array.isArray(raw.nodes)) warnings.push('"nodes" is missing or not an array');
  if (!Array.isArray(raw.edges)) warnings.push('"edges" is missing or not an array');

  const nodes: GraphNode[] = [];
  const byId = new Map<string, GraphNode>();
  rawNodes.forEach((n, i) => {
    if (!isObject(n) || typeof n.id !== 'string' || n.id === '') {
      warnings.push(`node #${i} has no string "id"; ignored`);
      return;
    }
    if (byId.has(n.id)) {
      warnings.push(`duplicate node id "${n.id}"; later one ignored`);
      return;
    }
    const node: GraphNode = {
      id: n.id,
      kind: typeof n.kind === 'string' && n.kind !== '' ? n.kind : 'component',
    };
    if (typeof n.label === 'string' && n.label !== '') node.label = n.label;
    if (typeof n.file === 'string' && n.file !== '') node.file = n.file;
    const range = toRange(n.range);
    if (range) node.range = range;
    else if (n.range !== undefined && n.range !== null) warnings.push(`node "${n.id}" has an invalid "range"`);
    if (typeof n.health === 'string') {
      if ((HEALTH_VALUES as readonly string[]).includes(n.health)) node.health = n.health as Health;
      else warnings.push(`node "${n.id}" has unknown health "${n.health}"`);
    }
    nodes.push(node);
    byId.set(node.id, node);
  });

  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  rawEdges.forEach((e, i) => {
    if (!isObject(e) || typeof e.from !== 'string' || typeof e.to !== 'string' || e.from === '' || e.to === '') {
      warnings.push(`edge #${i} needs string "from" and "to"; ignored`);
      return;
    }
    const signal = typeof e.signal === 'string' && e.signal !== '' ? e.signal : undefined;
    const key = JSON.stringify([e.from, e.to, signal ?? null]);
    if (seen.has(key)) return;
    seen.add(key);
    for (const end of [e.from, e.to]) {
      if (!byId.has(end)) {
        warnings.push(`edge #${i} refers to unknown node "${end}"`);
        const placeholder: GraphNode = { id: end, kind: 'unresolved', health: 'unknown' };
        nodes.push(placeholder);
        byId.set(end, placeholder);
      }
    }
    const edge: GraphEdge = { from: e.from, to: e.to };
    if (signal !== undefined) edge.signal = signal;
    edges.push(edge);
  });

  return { graph: { nodes, edges }, warnings };
}

/** Text shown for a node. */
export function nodeLabel(node: GraphNode): string {
  return node.label ?? node.id;
}
