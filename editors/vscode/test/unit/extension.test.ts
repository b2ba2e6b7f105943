// Smoke test of the bundled extension (dist/extension.js) without VS Code: a mock `vscode`
// module and a fake server (test/fixtures/fake-lsp-server.js) that logs what it receives.
// Checks the server command line, initializationOptions, configuration forwarding, the
// alloy/graph request and webview, navigation from the graph, restart, shutdown, and the error
// shown when the binary is missing.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXTENSION_ROOT } from './helpers';
import { createVscodeMock, installVscodeMock, MockUri, type MockState } from './vscode-mock';

const BUNDLE = path.join(EXTENSION_ROOT, 'dist', 'extension.js');
const FAKE_SERVER = path.join(EXTENSION_ROOT, 'test', 'fixtures', 'fake-lsp-server.js');

interface Extension {
  activate(context: { subscriptions: Array<{ dispose(): void }> }): Promise<void>;
  deactivate(): Promise<void>;
}

function loadExtension(settings: Record<string, unknown>): { ext: Extension; state: MockState; restore: () => void } {
  const { vscode, state } = createVscodeMock(settings);
  const restore = installVscodeMock(vscode);
  delete require.cache[require.resolve(BUNDLE)];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(BUNDLE) as Extension;
  return { ext, state, restore };
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 10000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('bundled extension with a fake server', { skip: !fs.existsSync(BUNDLE) && 'run `npm run build` first' }, () => {
  let dir: string;
  let logFile: string;
  let serverPath: string;
  let loaded: ReturnType<typeof loadExtension>;
  const context = { subscriptions: [] as Array<{ dispose(): void }> };

  const messages = (): Array<{ argv?: string[]; method?: string; params?: any }> =>
    fs.existsSync(logFile)
      ? fs
          .readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l))
      : [];
  const count = (method: string) => messages().filter((m) => m.method === method).length;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alloy-vscode-test-'));
    logFile = path.join(dir, 'server.log');
    serverPath = path.join(dir, 'alloy');
    fs.writeFileSync(serverPath, `#!/bin/sh\nFAKE_LSP_LOG='${logFile}' exec '${process.execPath}' '${FAKE_SERVER}' "$@"\n`);
    fs.chmodSync(serverPath, 0o755);
    loaded = loadExtension({
      'alloy.server.path': serverPath,
      'alloy.stabilityLevel': 'public-preview',
      'alloy.communityComponents': true,
    });
  });

  after(async () => {
    try {
      await loaded.ext.deactivate();
    } finally {
      loaded.restore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts `<alloy.server.path> lsp` with the settings as initializationOptions', async () => {
    await loaded.ext.activate(context);
    assert.deepEqual(loaded.state.errors, []);
    assert.deepEqual([...loaded.state.commands.keys()].sort(), ['alloy.restartServer', 'alloy.showPipelineGraph']);
    const init = await until('initialize', () => messages().find((m) => m.method === 'initialize'));
    assert.deepEqual(messages()[0].argv, ['lsp']);
    assert.deepEqual(init.params.initializationOptions, { stabilityLevel: 'public-preview', communityComponents: true });
    await until('initialized', () => count('initialized') > 0);
  });

  it('forwards setting changes with workspace/didChangeConfiguration', async () => {
    loaded.state.settings['alloy.stabilityLevel'] = 'experimental';
    for (const l of loaded.state.configListeners) l({ affectsConfiguration: (s) => s === 'alloy.stabilityLevel' });
    const msg = await until('didChangeConfiguration', () =>
      messages().find((m) => m.method === 'workspace/didChangeConfiguration'),
    );
    assert.deepEqual(msg.params, { settings: { alloy: { stabilityLevel: 'experimental', communityComponents: true } } });
  });

  it('shows the pipeline graph from alloy/graph and navigates to a node', async () => {
    const uri = MockUri.file(path.join(dir, 'config.alloy'));
    loaded.state.activeTextEditor = { document: { languageId: 'grafana-alloy', uri }, viewColumn: 1 };
    await loaded.state.commands.get('alloy.showPipelineGraph')!();
    const panel = await until('webview', () => loaded.state.panels[0]);
    const html = await until('graph html', () => (panel.webview.html.includes('<svg') ? panel.webview.html : undefined));
    const req = messages().find((m) => m.method === 'alloy/graph');
    assert.deepEqual(req?.params, { textDocument: { uri: uri.toString() } });
    assert.match(html, /data-id="prometheus\.scrape\.self"/);
    assert.match(html, /3 nodes, 2 edges/);
    assert.match(html, /health-unhealthy/);
    panel.send({ type: 'reveal', id: 'prometheus.scrape.self' });
    const shown = await until('showTextDocument', () => loaded.state.shownDocuments[0]);
    assert.equal(shown.uri.toString(), uri.toString());
    assert.equal(shown.options.selection.start.line, 2);
  });

  it('restarts the server on "Alloy: Restart Language Server"', async () => {
    await loaded.state.commands.get('alloy.restartServer')!();
    await until('second initialize', () => count('initialize') === 2);
    assert.equal(count('shutdown'), 1);
  });

  it('shuts the server down on deactivate', async () => {
    await loaded.ext.deactivate();
    await until('second shutdown and exit', () => count('shutdown') === 2 && count('exit') === 2);
  });
});

describe('bundled extension without a server binary', { skip: !fs.existsSync(BUNDLE) && 'run `npm run build` first' }, () => {
  it('shows an error naming the alloy.server.path setting', async () => {
    const { ext, state, restore } = loadExtension({ 'alloy.server.path': '/nonexistent/bin/alloy' });
    try {
      await ext.activate({ subscriptions: [] });
      assert.equal(state.errors.length, 1);
      assert.match(state.errors[0], /\/nonexistent\/bin\/alloy/);
      assert.match(state.errors[0], /alloy\.server\.path/);
      // The graph command still answers, with a hint instead of a crash.
      state.activeTextEditor = { document: { languageId: 'grafana-alloy', uri: MockUri.file('/x/a.alloy') } };
      await state.commands.get('alloy.showPipelineGraph')!();
      assert.match(state.panels[0].webview.html, /not running/);
    } finally {
      await ext.deactivate();
      restore();
    }
  });
});
