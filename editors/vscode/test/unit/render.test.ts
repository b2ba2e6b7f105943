import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGraphPageMessage, makeNonce, renderGraphPage } from '../../src/graph/html';
import { layoutGraph } from '../../src/graph/layout';
import { errorPage, graphPage, signalsOf } from '../../src/graph/page';
import { cssToken, edgePath, escapeXml, renderSvg, truncate } from '../../src/graph/svg';

const ctx = { title: 'config.alloy', nonce: 'NONCE123', cspSource: 'vscode-webview://x' };

const sample = {
  nodes: [
    { id: 'prometheus.scrape.default', kind: 'component', label: 'prometheus.scrape "default"', health: 'healthy' },
    {
      id: 'prometheus.remote_write.default',
      kind: 'component',
      health: 'unhealthy',
      range: { start: { line: 9, character: 0 }, end: { line: 13, character: 1 } },
    },
    { id: 'logging', kind: 'config' },
  ],
  edges: [{ from: 'prometheus.scrape.default', to: 'prometheus.remote_write.default', signal: 'metrics' }],
};

describe('svg rendering', () => {
  it('escapes XML', () => {
    assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&#39;');
  });

  it('makes CSS tokens from free text', () => {
    assert.equal(cssToken('otelcol.Consumer'), 'otelcol-consumer');
    assert.equal(cssToken('!!!'), 'other');
  });

  it('builds smooth paths', () => {
    assert.equal(edgePath([]), '');
    assert.equal(edgePath([{ x: 0, y: 0 }, { x: 10, y: 20 }]), 'M0,0 C5,0 5,20 10,20');
  });

  it('truncates long labels with an ellipsis', () => {
    assert.equal(truncate('short', 10), 'short');
    assert.equal(truncate('abcdefghij', 5), 'abcd…');
  });

  it('renders nodes, edges, classes and escaped labels', () => {
    const g = {
      nodes: [
        { id: 'a', kind: 'component', label: '<script>alert(1)</script>', health: 'unhealthy' as const },
        { id: 'b', kind: 'custom' },
      ],
      edges: [{ from: 'a', to: 'b', signal: 'logs' }],
    };
    const svg = renderSvg(g, layoutGraph(g));
    assert.ok(svg.startsWith('<svg'));
    assert.ok(!svg.includes('<script>'), 'labels must be escaped');
    assert.match(svg, /class="node kind-component health-unhealthy"/);
    assert.match(svg, /class="node kind-custom health-none"/);
    assert.match(svg, /class="edge signal-logs"/);
    assert.match(svg, /data-id="a"/);
    assert.equal((svg.match(/<g class="node /g) ?? []).length, 2);
  });
});

describe('graph page', () => {
  it('renders a self-contained page with a CSP nonce', () => {
    const { html, graph } = graphPage(sample, ctx);
    assert.ok(graph);
    assert.match(html, /Content-Security-Policy/);
    assert.match(html, /default-src 'none'/);
    assert.match(html, /<script nonce="NONCE123">/);
    assert.match(html, /<style nonce="NONCE123">/);
    assert.match(html, /3 nodes, 1 edge/);
    assert.match(html, /class="signal-metrics"/);
    // No external resources: nothing loaded over the network.
    assert.doesNotMatch(html, /<script[^>]+src=/);
    assert.doesNotMatch(html, /<link[^>]+href=/);
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('shows an error for a missing or invalid answer', () => {
    assert.match(graphPage(null, ctx).html, /no pipeline graph/);
    assert.match(graphPage(42, ctx).html, /no graph object/);
    assert.match(errorPage('boom <b>', ctx), /boom &lt;b&gt;/);
  });

  it('shows warnings and an empty-graph message', () => {
    const html = graphPage({ nodes: [], edges: [{ from: 'a' }] }, ctx).html;
    assert.match(html, /warning\(s\)/);
    assert.match(html, /no components to show/);
  });

  it('orders legend signals: known ones first', () => {
    assert.deepEqual(
      signalsOf({
        nodes: [],
        edges: [
          { from: 'a', to: 'b', signal: 'zeta' },
          { from: 'a', to: 'b', signal: 'traces' },
          { from: 'a', to: 'b', signal: 'metrics' },
          { from: 'a', to: 'b' },
        ],
      }),
      ['metrics', 'traces', 'zeta'],
    );
  });

  it('validates messages from the page', () => {
    assert.ok(isGraphPageMessage({ type: 'refresh' }));
    assert.ok(isGraphPageMessage({ type: 'reveal', id: 'x' }));
    assert.ok(!isGraphPageMessage({ type: 'reveal' }));
    assert.ok(!isGraphPageMessage({ type: 'other' }));
    assert.ok(!isGraphPageMessage(null));
  });

  it('makes nonces of 32 alphanumerics', () => {
    assert.match(makeNonce(), /^[A-Za-z0-9]{32}$/);
  });

  it('renders the page without a graph', () => {
    const html = renderGraphPage({ ...ctx, nodeCount: 0, edgeCount: 0, signals: [], warnings: [] });
    assert.match(html, /no components to show/);
  });
});
