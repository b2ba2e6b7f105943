// A layered (Sugiyama-style) layout for pipeline graphs, left to right:
//   1. break cycles by reversing DFS back edges,
//   2. assign layers by longest path from the sources,
//   3. split long edges with dummy nodes,
//   4. order each layer by barycenter sweeps, keeping the order with fewest crossings,
//   5. place layers in columns and route edges through their dummy nodes.
// Pure and deterministic (same input, same output). No `vscode` import.

import { nodeLabel, type PipelineGraph } from './protocol';

export interface LayoutOptions {
  nodeHeight: number;
  minNodeWidth: number;
  maxNodeWidth: number;
  /** Estimated width of one character of the label font, in px. */
  charWidth: number;
  /** Horizontal padding inside a node. */
  nodePadding: number;
  /** Horizontal gap between layers. */
  layerGap: number;
  /** Vertical gap between nodes of one layer. */
  nodeGap: number;
  /** Margin around the drawing. */
  margin: number;
  /** Number of down+up barycenter sweeps. */
  sweeps: number;
}

export const DEFAULT_LAYOUT_OPTIONS: LayoutOptions = {
  nodeHeight: 36,
  minNodeWidth: 120,
  maxNodeWidth: 360,
  charWidth: 7.2,
  nodePadding: 16,
  layerGap: 72,
  nodeGap: 20,
  margin: 20,
  sweeps: 6,
};

export interface Point {
  x: number;
  y: number;
}

export interface LayoutNode {
  id: string;
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
  layer: number;
  /** Position inside the layer, from the top. */
  order: number;
}

export interface LayoutEdge {
  from: string;
  to: string;
  signal?: string;
  /** Polyline from the source node's border to the target node's border. */
  points: Point[];
  /** The edge closes a cycle and runs against the layer direction. */
  reversed: boolean;
  selfLoop: boolean;
}

export interface Layout {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  width: number;
  height: number;
  layerCount: number;
  /** Edge crossings between adjacent layers in the chosen order. */
  crossings: number;
}

interface Vertex {
  key: number;
  id?: string; // undefined for dummy vertices
  width: number;
  height: number;
  layer: number;
}

/** Width of a node box for a label. */
export function nodeWidth(label: string, opts: LayoutOptions = DEFAULT_LAYOUT_OPTIONS): number {
  const w = Math.ceil([...label].length * opts.charWidth + 2 * opts.nodePadding);
  return Math.max(opts.minNodeWidth, Math.min(opts.maxNodeWidth, w));
}

/**
 * Edges (as index pairs) that must be reversed to make the graph acyclic:
 * the back edges of a depth-first search that visits nodes in input order.
 */
export function findBackEdges(n: number, edges: ReadonlyArray<readonly [number, number]>): Set<number> {
  const out: number[][] = Array.from({ length: n }, () => []);
  edges.forEach(([u, v], i) => {
    if (u !== v) out[u].push(i);
  });
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const back = new Set<number>();
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    // Iterative DFS: stack of [vertex, next out-edge index].
    const stack: Array<[number, number]> = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [u, k] = top;
      if (k >= out[u].length) {
        state[u] = 2;
        stack.pop();
        continue;
      }
      top[1] = k + 1;
      const ei = out[u][k];
      const v = edges[ei][1];
      if (state[v] === 1) back.add(ei);
      else if (state[v] === 0) {
        state[v] = 1;
        stack.push([v, 0]);
      }
    }
  }
  return back;
}

/** Longest-path layering of a DAG given as index pairs. Sources get layer 0. */
export function longestPathLayers(n: number, dagEdges: ReadonlyArray<readonly [number, number]>): number[] {
  const indeg = new Array<number>(n).fill(0);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [u, v] of dagEdges) {
    out[u].push(v);
    indeg[v]++;
  }
  const layer = new Array<number>(n).fill(0);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  let head = 0;
  while (head < queue.length) {
    const u = queue[head++];
    for (const v of out[u]) {
      layer[v] = Math.max(layer[v], layer[u] + 1);
      if (--indeg[v] === 0) queue.push(v);
    }
  }
  if (queue.length !== n) throw new Error('longestPathLayers: graph has a cycle');
  return layer;
}

/** Number of crossings between two adjacent layers. `pairs` are [upper position, lower position]. */
export function countCrossings(pairs: ReadonlyArray<readonly [number, number]>): number {
  // Sort by upper position, then count inversions of the lower positions (merge sort).
  const sorted = [...pairs].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const arr = sorted.map((p) => p[1]);
  let count = 0;
  const tmp = new Array<number>(arr.length);
  const sort = (lo: number, hi: number): void => {
    if (hi - lo < 2) return;
    const mid = (lo + hi) >> 1;
    sort(lo, mid);
    sort(mid, hi);
    let i = lo;
    let j = mid;
    let k = lo;
    while (i < mid && j < hi) {
      if (arr[j] < arr[i]) {
        count += mid - i;
        tmp[k++] = arr[j++];
      } else tmp[k++] = arr[i++];
    }
    while (i < mid) tmp[k++] = arr[i++];
    while (j < hi) tmp[k++] = arr[j++];
    for (let t = lo; t < hi; t++) arr[t] = tmp[t];
  };
  sort(0, arr.length);
  return count;
}

export function layoutGraph(graph: PipelineGraph, options: Partial<LayoutOptions> = {}): Layout {
  const opts: LayoutOptions = { ...DEFAULT_LAYOUT_OPTIONS, ...options };
  const index = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    if (!index.has(node.id)) index.set(node.id, i);
  });
  const n = graph.nodes.length;

  // Edges between known nodes, deduplicated per (from, to) for layout purposes.
  const edgeList: Array<{ from: string; to: string; signal?: string; u: number; v: number }> = [];
  for (const e of graph.edges) {
    const u = index.get(e.from);
    const v = index.get(e.to);
    if (u === undefined || v === undefined) continue;
    edgeList.push({ from: e.from, to: e.to, signal: e.signal, u, v });
  }
  const pairs = edgeList.map((e) => [e.u, e.v] as const);
  const back = findBackEdges(n, pairs);

  // The acyclic orientation used for layering (self loops left out).
  const dagKeys = new Set<string>();
  const dag: Array<[number, number]> = [];
  edgeList.forEach((e, i) => {
    if (e.u === e.v) return;
    const [a, b] = back.has(i) ? [e.v, e.u] : [e.u, e.v];
    const k = `${a},${b}`;
    if (!dagKeys.has(k)) {
      dagKeys.add(k);
      dag.push([a, b]);
    }
  });
  const layerOf = longestPathLayers(n, dag);

  // Vertices: real nodes first (key = node index), then dummies.
  const vertices: Vertex[] = graph.nodes.map((node, i) => ({
    key: i,
    id: node.id,
    width: nodeWidth(nodeLabel(node), opts),
    height: opts.nodeHeight,
    layer: layerOf[i],
  }));
  const layerCount = n === 0 ? 0 : Math.max(...layerOf) + 1;

  // Chains of vertices for every DAG edge (with dummies on intermediate layers).
  const chainOf = new Map<string, number[]>();
  const segOut: number[][] = vertices.map(() => []);
  const segIn: number[][] = vertices.map(() => []);
  const addVertex = (layer: number): number => {
    const key = vertices.length;
    vertices.push({ key, width: 0, height: 0, layer });
    segOut.push([]);
    segIn.push([]);
    return key;
  };
  for (const [a, b] of dag) {
    const chain = [a];
    for (let l = layerOf[a] + 1; l < layerOf[b]; l++) chain.push(addVertex(l));
    chain.push(b);
    for (let i = 0; i + 1 < chain.length; i++) {
      segOut[chain[i]].push(chain[i + 1]);
      segIn[chain[i + 1]].push(chain[i]);
    }
    chainOf.set(`${a},${b}`, chain);
  }

  // Initial order: real nodes in input order, dummies after, per layer.
  let layers: number[][] = Array.from({ length: layerCount }, () => []);
  for (const v of vertices) layers[v.layer].push(v.key);

  const positions = (ls: number[][]): number[] => {
    const pos = new Array<number>(vertices.length).fill(0);
    for (const l of ls) l.forEach((key, i) => (pos[key] = i));
    return pos;
  };
  const totalCrossings = (ls: number[][]): number => {
    const pos = positions(ls);
    let c = 0;
    for (let l = 0; l + 1 < ls.length; l++) {
      const ps: Array<[number, number]> = [];
      for (const u of ls[l]) for (const v of segOut[u]) ps.push([pos[u], pos[v]]);
      c += countCrossings(ps);
    }
    return c;
  };
  const reorder = (ls: number[][], l: number, neighbours: number[][]): void => {
    const pos = positions(ls);
    const bary = new Map<number, number>();
    for (const key of ls[l]) {
      const ns = neighbours[key];
      bary.set(key, ns.length === 0 ? pos[key] : ns.reduce((s, k) => s + pos[k], 0) / ns.length);
    }
    // Stable: ties keep the current order.
    ls[l] = [...ls[l]].sort((x, y) => (bary.get(x) as number) - (bary.get(y) as number) || pos[x] - pos[y]);
  };

  let best = layers.map((l) => [...l]);
  let bestCrossings = totalCrossings(best);
  for (let s = 0; s < opts.sweeps && bestCrossings > 0; s++) {
    for (let l = 1; l < layerCount; l++) reorder(layers, l, segIn);
    for (let l = layerCount - 2; l >= 0; l--) reorder(layers, l, segOut);
    const c = totalCrossings(layers);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((x) => [...x]);
    }
  }
  layers = best;

  // Coordinates: one column per layer, nodes stacked and centred vertically.
  const columnWidth = layers.map((l) => Math.max(0, ...l.map((k) => vertices[k].width)));
  const columnX: number[] = [];
  let x = opts.margin;
  for (let l = 0; l < layerCount; l++) {
    columnX.push(x);
    x += columnWidth[l] + opts.layerGap;
  }
  const slot = (v: Vertex): number => (v.id === undefined ? opts.nodeGap : v.height + opts.nodeGap);
  const columnHeight = layers.map((l) => l.reduce((s, k) => s + slot(vertices[k]), 0) - (l.length > 0 ? opts.nodeGap : 0));
  const maxHeight = Math.max(0, ...columnHeight);
  const vx = new Array<number>(vertices.length).fill(0);
  const vy = new Array<number>(vertices.length).fill(0);
  layers.forEach((l, li) => {
    let y = opts.margin + (maxHeight - columnHeight[li]) / 2;
    for (const key of l) {
      const v = vertices[key];
      // Nodes are centred in their column; dummies sit on the column's centre line.
      vx[key] = columnX[li] + (columnWidth[li] - v.width) / 2;
      vy[key] = y;
      y += slot(v);
    }
  });

  const order = positions(layers);
  const nodes: LayoutNode[] = graph.nodes.map((node, i) => ({
    id: node.id,
    x: vx[i],
    y: vy[i],
    width: vertices[i].width,
    height: vertices[i].height,
    layer: vertices[i].layer,
    order: order[i],
  }));

  const right = (k: number): Point => ({ x: vx[k] + vertices[k].width, y: vy[k] + vertices[k].height / 2 });
  const left = (k: number): Point => ({ x: vx[k], y: vy[k] + vertices[k].height / 2 });
  const mid = (k: number): Point => ({ x: vx[k] + vertices[k].width / 2, y: vy[k] + vertices[k].height / 2 });

  const edges: LayoutEdge[] = edgeList.map((e, i) => {
    if (e.u === e.v) {
      const v = vertices[e.u];
      const top = vy[e.u];
      const cx = vx[e.u] + v.width / 2;
      return {
        from: e.from,
        to: e.to,
        signal: e.signal,
        reversed: false,
        selfLoop: true,
        points: [
          { x: cx + 12, y: top },
          { x: cx + 12, y: top - 18 },
          { x: cx - 12, y: top - 18 },
          { x: cx - 12, y: top },
        ],
      };
    }
    const reversed = back.has(i);
    const [a, b] = reversed ? [e.v, e.u] : [e.u, e.v];
    const chain = chainOf.get(`${a},${b}`) as number[];
    const pts: Point[] = [right(chain[0]), ...chain.slice(1, -1).map(mid), left(chain[chain.length - 1])];
    return { from: e.from, to: e.to, signal: e.signal, reversed, selfLoop: false, points: reversed ? pts.reverse() : pts };
  });

  const width = layerCount === 0 ? 2 * opts.margin : x - opts.layerGap + opts.margin;
  const height = maxHeight + 2 * opts.margin;
  return { nodes, edges, width, height, layerCount, crossings: bestCrossings };
}
