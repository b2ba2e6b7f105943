// The bundled extension (dist/extension.js) and its vscode-languageclient against the REAL
// `alloy lsp` binary, in Node, with the `vscode` stand-in of vscode-standin.ts in place of
// VS Code (which cannot be downloaded on a closed network, and needs a display).
//
// Covered: the extension's client setup (server command, document selector, initialization
// options) talking to the real server; the client's document synchronisation (didOpen,
// full-text didChange, didClose); diagnostics as the client really requests them (it declares
// pull support, so the server answers `textDocument/diagnostic`), converted by the client into
// `vscode.Diagnostic`s; completion through the registered provider, including lazy
// documentation via `completionItem/resolve`; whole-document formatting as TextEdits; hover;
// semantic tokens and their deltas through the client's provider.
// Not covered: VS Code itself (rendering, the editor applying snippets and edits, the
// extension host's process model, the TextMate grammar inside VS Code), and any API member the
// client touched that the stand-in leaves inert (printed at the end).
//
// The binary comes from ALLOY_BIN; without it the suite is skipped (scripts/test.d/40-lsp-e2e.sh
// builds the binary and sets it).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXTENSION_ROOT } from './helpers';
import { installVscodeMock, unmodelledUses } from './vscode-mock';
import {
  applyEdits,
  CompletionItem,
  CompletionList,
  createStandin,
  Diagnostic,
  DiagnosticSeverity,
  MarkdownString,
  Position,
  SnippetString,
  TextEdit,
  type StandinDocument,
} from './vscode-standin';

const BUNDLE = path.join(EXTENSION_ROOT, 'dist', 'extension.js');
const BINARY = process.env.ALLOY_BIN;
const skip = !BINARY
  ? 'set ALLOY_BIN to an `alloy` binary (scripts/test.d/40-lsp-e2e.sh does)'
  : !fs.existsSync(BINARY)
    ? `ALLOY_BIN=${BINARY} does not exist`
    : !fs.existsSync(BUNDLE) && 'run `npm run build` first';

interface Extension {
  activate(context: { subscriptions: Array<{ dispose(): void }> }): Promise<void>;
  deactivate(): Promise<void>;
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };

const BROKEN = 'prometheus.scrape "s" {\n\ttargets = []\n}\n';
const UNFORMATTED = 'logging {\n  level = "info"\n  format = "logfmt"\n}\n';
const FORMATTED = 'logging {\n\tlevel  = "info"\n\tformat = "logfmt"\n}\n';

describe('the extension against the real alloy lsp', { skip }, () => {
  let dir: string;
  let standin: ReturnType<typeof createStandin>;
  let restore: () => void;
  let ext: Extension;

  const diagnosticsOf = (doc: StandinDocument): Diagnostic[] | undefined => {
    for (const collection of standin.state.diagnostics.values()) {
      const d = collection.get(doc.uri.toString());
      if (d) return d;
    }
    return undefined;
  };
  const provider = (fn: string) => {
    const list = standin.state.providers.get(fn);
    assert.ok(list && list.length > 0, `no ${fn} registered; registered: ${[...standin.state.providers.keys()].join(', ')}`);
    return list[0];
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alloy-vscode-real-'));
    standin = createStandin({ 'alloy.server.path': BINARY });
    restore = installVscodeMock(standin.vscode);
    delete require.cache[require.resolve(BUNDLE)];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ext = require(BUNDLE) as Extension;
    await ext.activate({ subscriptions: [] });
  });

  after(async () => {
    try {
      await ext.deactivate();
    } finally {
      restore();
      fs.rmSync(dir, { recursive: true, force: true });
      const inert = [...unmodelledUses].sort();
      process.stderr.write(`vscode API members the client used that the stand-in leaves inert (${inert.length}): ${inert.join(', ') || 'none'}\n`);
    }
  });

  it('starts the server without an error and registers the providers', () => {
    assert.deepEqual(standin.state.errors, []);
    for (const fn of [
      'registerCompletionItemProvider',
      'registerDocumentFormattingEditProvider',
      'registerHoverProvider',
      'registerDocumentSemanticTokensProvider',
    ]) {
      provider(fn);
    }
  });

  it('gets the diagnostics of a broken file, and loses them when it is fixed', async () => {
    const file = path.join(dir, 'broken.alloy');
    fs.writeFileSync(file, BROKEN);
    const doc = standin.open(file, BROKEN);
    const diags = await until('diagnostics', () => {
      const d = diagnosticsOf(doc);
      return d && d.length > 0 ? d : undefined;
    });
    assert.ok(diags[0] instanceof Diagnostic, 'converted by the client');
    const missing = diags.find((d) => /forward_to/.test(d.message));
    assert.ok(missing, diags.map((d) => d.message).join('\n'));
    assert.equal(missing.severity, DiagnosticSeverity.Error);
    assert.equal(missing.source, 'alloy');
    assert.match(String(typeof missing.code === 'object' ? missing.code.value : missing.code), /^AL\d+$/);
    assert.equal(missing.range.start.line, 0);
    standin.edit(doc, FORMATTED);
    await until('no diagnostics after the fix', () => diagnosticsOf(doc)?.length === 0).catch((e) => {
      throw new Error(`${e}: ${JSON.stringify(diagnosticsOf(doc)?.map((d) => d.message))}`);
    });
    standin.close(doc);
  });

  it('completes component names and resolves their documentation', async () => {
    const file = path.join(dir, 'complete.alloy');
    const doc = standin.open(file, 'prometheus.scr\n');
    const completion = provider('registerCompletionItemProvider');
    const result = await completion.provideCompletionItems(doc, new Position(0, 14), token, {
      triggerKind: 0,
      triggerCharacter: undefined,
    });
    const items: CompletionItem[] = result instanceof CompletionList ? result.items : result;
    const scrape = items.find((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'prometheus.scrape');
    assert.ok(scrape, `items: ${items.map((i) => i.label).join(', ')}`);
    assert.ok(scrape.insertText instanceof SnippetString, 'a snippet');
    assert.match(scrape.insertText.value, /^prometheus\.scrape "\$\{1:default\}" \{\n\ttargets +=/);
    assert.equal(scrape.documentation, undefined, 'documentation is resolved lazily');
    const resolved: CompletionItem = await completion.resolveCompletionItem(scrape, token);
    assert.ok(resolved.documentation instanceof MarkdownString);
    assert.match(resolved.documentation.value, /prometheus\.scrape/);
    standin.close(doc);
  });

  it('formats the document with edits', async () => {
    const file = path.join(dir, 'format.alloy');
    const doc = standin.open(file, UNFORMATTED);
    const edits: TextEdit[] = await provider('registerDocumentFormattingEditProvider').provideDocumentFormattingEdits(
      doc,
      { tabSize: 4, insertSpaces: false },
      token,
    );
    assert.ok(edits.length > 0 && edits[0] instanceof TextEdit);
    assert.equal(applyEdits(doc, edits), FORMATTED);
    assert.equal(fs.existsSync(file), false, 'no file was written');
    standin.close(doc);
  });

  it('answers hover and semantic token deltas through the client', async () => {
    const file = path.join(dir, 'tokens.alloy');
    const doc = standin.open(file, FORMATTED);
    const hover = await provider('registerHoverProvider').provideHover(doc, new Position(1, 2), token);
    const contents = Array.isArray(hover.contents) ? hover.contents : [hover.contents];
    assert.ok(contents.some((c: unknown) => c instanceof MarkdownString && /level/.test(c.value)));
    const tokens = provider('registerDocumentSemanticTokensProvider');
    const full = await tokens.provideDocumentSemanticTokens(doc, token);
    assert.ok(full.data.length > 0 && full.resultId);
    standin.edit(doc, FORMATTED.replace('"info"', '"debug"'));
    const delta = await tokens.provideDocumentSemanticTokensEdits(doc, full.resultId, token);
    assert.ok(Array.isArray(delta.edits), 'a delta, not the full list');
    standin.close(doc);
  });
});
