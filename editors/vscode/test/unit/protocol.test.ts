import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GRAPH_REQUEST_METHOD, nodeLabel, normalizeGraph } from '../../src/graph/protocol';

describe('alloy/graph protocol', () => {
  it('uses the documented method name', () => {
    assert.equal(GRAPH_REQUEST_METHOD, 'alloy/graph');
  });

  it('keeps a well-formed graph as is', () => {
    const raw = {
      nodes: [
        {
          id: 'prometheus.scrape.default',
          kind: 'component',
          label: 'prometheus.scrape "default"',
          file: 'file:///etc/alloy/config.alloy',
          range: { start: { line: 3, character: 0 }, end: { line: 6, character: 1 } },
          health: 'healthy',
        },
        { id: 'prometheus.remote_write.default', kind: 'component' },
      ],
      edges: [{ from: 'prometheus.scrape.default', to: 'prometheus.remote_write.default', signal: 'metrics' }],
    };
    const { graph, warnings } = normalizeGraph(raw);
    assert.deepEqual(warnings, []);
    assert.deepEqual(graph, raw);
    assert.equal(nodeLabel(graph.nodes[0]), 'prometheus.scrape "default"');
    assert.equal(nodeLabel(graph.nodes[1]), 'prometheus.remote_write.default');
  });

  it('rejects non-objects', () => {
    assert.throws(() => normalizeGraph(null), /no graph object/);
    assert.throws(() => normalizeGraph([1, 2]), /no graph object/);
    assert.throws(() => normalizeGraph('graph'), /no graph object/);
  });

  it('drops invalid entries with warnings and defaults the kind', () => {
    const { graph, warnings } = normalizeGraph({
      nodes: [
        { id: 'a' },
        { id: '' },
        { kind: 'component' },
        'b',
        { id: 'a', kind: 'config' },
        { id: 'c', kind: 'config', health: 'sick', range: { start: { line: -1, character: 0 }, end: 3 } },
      ],
      edges: [{ from: 'a', to: 'c' }, { from: 'a' }, { from: 'a', to: 'c' }, 7],
    });
    assert.deepEqual(
      graph.nodes.map((n) => [n.id, n.kind, n.health, n.range]),
      [
        ['a', 'component', undefined, undefined],
        ['c', 'config', undefined, undefined],
      ],
    );
    assert.deepEqual(graph.edges, [{ from: 'a', to: 'c' }]);
    assert.equal(warnings.length, 8, warnings.join('\n'));
  });

  it('adds placeholder nodes for edges to unknown nodes', () => {
    const { graph, warnings } = normalizeGraph({
      nodes: [{ id: 'loki.source.file.app', kind: 'component' }],
      edges: [{ from: 'loki.source.file.app', to: 'loki.write.missing', signal: 'logs' }],
    });
    assert.deepEqual(graph.nodes[1], { id: 'loki.write.missing', kind: 'unresolved', health: 'unknown' });
    assert.match(warnings[0], /unknown node "loki\.write\.missing"/);
  });

  it('treats missing arrays as empty', () => {
    const { graph, warnings } = normalizeGraph({});
    assert.deepEqual(graph, { nodes: [], edges: [] });
    assert.equal(warnings.length, 2);
  });

  it('keeps parallel edges with different signals but drops exact duplicates', () => {
    const { graph } = normalizeGraph({
      nodes: [{ id: 'r', kind: 'component' }, { id: 'p', kind: 'component' }],
      edges: [
        { from: 'r', to: 'p', signal: 'metrics' },
        { from: 'r', to: 'p', signal: 'traces' },
        { from: 'r', to: 'p', signal: 'metrics' },
      ],
    });
    assert.equal(graph.edges.length, 2);
  });
});
