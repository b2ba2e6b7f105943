import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countCrossings,
  DEFAULT_LAYOUT_OPTIONS,
  findBackEdges,
  layoutGraph,
  longestPathLayers,
  nodeWidth,
  type Layout,
} from '../../src/graph/layout';
import type { PipelineGraph } from '../../src/graph/protocol';

function graph(ids: string[], edges: Array<[string, string]>): PipelineGraph {
  return { nodes: ids.map((id) => ({ id, kind: 'component' })), edges: edges.map(([from, to]) => ({ from, to })) };
}

function byId(layout: Layout) {
  return new Map(layout.nodes.map((n) => [n.id, n]));
}

function assertNoOverlap(layout: Layout): void {
  const ns = layout.nodes;
  for (let i = 0; i < ns.length; i++) {
    for (let j = i + 1; j < ns.length; j++) {
      const a = ns[i];
      const b = ns[j];
      const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      assert.ok(!overlap, `nodes ${a.id} and ${b.id} overlap`);
    }
  }
  for (const n of ns) {
    assert.ok(n.x >= 0 && n.y >= 0, `${n.id} at negative position`);
    assert.ok(n.x + n.width <= layout.width && n.y + n.height <= layout.height, `${n.id} outside the drawing`);
  }
}

describe('layout helpers', () => {
  it('counts crossings between two layers', () => {
    assert.equal(countCrossings([]), 0);
    assert.equal(countCrossings([[0, 0], [1, 1]]), 0);
    assert.equal(countCrossings([[0, 1], [1, 0]]), 1);
    assert.equal(countCrossings([[0, 2], [1, 1], [2, 0]]), 3);
    assert.equal(countCrossings([[0, 0], [0, 1], [1, 0]]), 1);
  });

  it('finds back edges of cycles', () => {
    assert.deepEqual([...findBackEdges(3, [[0, 1], [1, 2]])], []);
    assert.deepEqual([...findBackEdges(3, [[0, 1], [1, 2], [2, 0]])], [2]);
    assert.deepEqual([...findBackEdges(2, [[0, 1], [1, 0]])], [1]);
    // Self loops are not back edges (they are drawn separately).
    assert.deepEqual([...findBackEdges(1, [[0, 0]])], []);
  });

  it('assigns longest-path layers', () => {
    assert.deepEqual(longestPathLayers(4, [[0, 1], [1, 2], [0, 2], [3, 2]]), [0, 1, 2, 0]);
    assert.throws(() => longestPathLayers(2, [[0, 1], [1, 0]]), /cycle/);
  });

  it('sizes nodes by label length within bounds', () => {
    const o = DEFAULT_LAYOUT_OPTIONS;
    assert.equal(nodeWidth('a'), o.minNodeWidth);
    assert.equal(nodeWidth('x'.repeat(500)), o.maxNodeWidth);
    const mid = nodeWidth('prometheus.remote_write.default');
    assert.ok(mid > o.minNodeWidth && mid < o.maxNodeWidth);
  });
});

describe('layoutGraph', () => {
  it('handles an empty graph', () => {
    const l = layoutGraph({ nodes: [], edges: [] });
    assert.equal(l.nodes.length, 0);
    assert.equal(l.layerCount, 0);
    assert.ok(l.width > 0 && l.height > 0);
  });

  it('lays out a pipeline left to right', () => {
    const l = layoutGraph(
      graph(
        ['discovery.kubernetes.pods', 'discovery.relabel.pods', 'prometheus.scrape.pods', 'prometheus.remote_write.default'],
        [
          ['discovery.kubernetes.pods', 'discovery.relabel.pods'],
          ['discovery.relabel.pods', 'prometheus.scrape.pods'],
          ['prometheus.scrape.pods', 'prometheus.remote_write.default'],
        ],
      ),
    );
    const n = byId(l);
    assert.deepEqual(
      l.nodes.map((x) => x.layer),
      [0, 1, 2, 3],
    );
    assert.ok((n.get('discovery.kubernetes.pods')?.x ?? 0) < (n.get('discovery.relabel.pods')?.x ?? 0));
    assertNoOverlap(l);
    for (const e of l.edges) {
      const a = n.get(e.from)!;
      const b = n.get(e.to)!;
      assert.equal(e.points[0].x, a.x + a.width, 'edge starts at the right side of its source');
      assert.equal(e.points[e.points.length - 1].x, b.x, 'edge ends at the left side of its target');
      assert.equal(e.reversed, false);
    }
  });

  it('respects edge direction for every edge of a DAG', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const edges: Array<[string, string]> = [
      ['a', 'c'],
      ['b', 'c'],
      ['c', 'd'],
      ['a', 'e'],
      ['e', 'f'],
      ['d', 'f'],
      ['b', 'f'],
    ];
    const l = layoutGraph(graph(ids, edges));
    const n = byId(l);
    for (const [u, v] of edges) assert.ok(n.get(u)!.layer < n.get(v)!.layer, `${u} -> ${v}`);
    assertNoOverlap(l);
  });

  it('routes long edges through every intermediate layer', () => {
    const l = layoutGraph(graph(['a', 'b', 'c', 'd'], [['a', 'b'], ['b', 'c'], ['c', 'd'], ['a', 'd']]));
    const long = l.edges.find((e) => e.from === 'a' && e.to === 'd')!;
    assert.equal(long.points.length, 4); // source border, 2 dummies, target border
    for (let i = 1; i < long.points.length; i++) assert.ok(long.points[i].x > long.points[i - 1].x);
  });

  it('breaks cycles and marks the reversed edge', () => {
    const l = layoutGraph(graph(['a', 'b', 'c'], [['a', 'b'], ['b', 'c'], ['c', 'a']]));
    assert.deepEqual(
      l.edges.map((e) => e.reversed),
      [false, false, true],
    );
    const n = byId(l);
    assert.ok(n.get('a')!.layer < n.get('b')!.layer && n.get('b')!.layer < n.get('c')!.layer);
    const back = l.edges[2];
    // The reversed edge still starts at its source (c) and ends at its target (a).
    assert.equal(back.points[0].x, n.get('c')!.x);
    assert.equal(back.points[back.points.length - 1].x, n.get('a')!.x + n.get('a')!.width);
    assertNoOverlap(l);
  });

  it('draws self loops above the node', () => {
    const l = layoutGraph(graph(['a'], [['a', 'a']]));
    assert.equal(l.edges[0].selfLoop, true);
    assert.ok(l.edges[0].points.some((p) => p.y < l.nodes[0].y));
  });

  it('reduces crossings with barycenter ordering', () => {
    // Without reordering, a1->b2 and a2->b1 cross twice over.
    const l = layoutGraph(
      graph(['a1', 'a2', 'a3', 'b3', 'b2', 'b1'], [['a1', 'b1'], ['a2', 'b2'], ['a3', 'b3']]),
    );
    assert.equal(l.crossings, 0);
    const n = byId(l);
    assert.ok(n.get('b1')!.order < n.get('b2')!.order && n.get('b2')!.order < n.get('b3')!.order);
  });

  it('ignores edges to unknown nodes and keeps isolated nodes', () => {
    const l = layoutGraph({
      nodes: [{ id: 'x', kind: 'config' }, { id: 'y', kind: 'component' }],
      edges: [{ from: 'x', to: 'nope' }],
    });
    assert.equal(l.edges.length, 0);
    assert.equal(l.nodes.length, 2);
    assertNoOverlap(l);
  });

  it('is deterministic and handles a larger random graph', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const ids = Array.from({ length: 80 }, (_, i) => `component.n${i}`);
    const edges: Array<[string, string]> = [];
    for (let i = 0; i < 160; i++) {
      edges.push([ids[Math.floor(rnd() * ids.length)], ids[Math.floor(rnd() * ids.length)]]);
    }
    const g = graph(ids, edges);
    const l1 = layoutGraph(g);
    const l2 = layoutGraph(g);
    assert.deepEqual(l1, l2);
    assertNoOverlap(l1);
    const n = byId(l1);
    for (const e of l1.edges) {
      if (e.selfLoop) continue;
      const du = n.get(e.from)!.layer;
      const dv = n.get(e.to)!.layer;
      assert.ok(e.reversed ? du > dv : du < dv, `${e.from} -> ${e.to}`);
    }
  });
});
