// Checks of the TextMate grammar beyond the annotated test files:
// it is in sync with its source, its stdlib list matches the shared catalogue,
// and it tokenizes every upstream Alloy file without errors.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import {
  CONFORMANCE_DIR,
  EXTENSION_ROOT,
  GRAMMAR_PATH,
  loadGrammar,
  probeScopes,
  tokenize,
  TOP_LEVEL_ATTRIBUTE,
} from './helpers';

interface GrammarModule {
  grammarJson(): string;
  stdlib: {
    STDLIB: Record<string, string[]>;
    STDLIB_TOP: string[];
    STDLIB_DEPRECATED: string[];
    CONSTANTS: string[];
  };
}

const importGrammarSource = (): Promise<GrammarModule> =>
  import(pathToFileURL(path.join(EXTENSION_ROOT, 'scripts', 'grammar.mjs')).href) as Promise<GrammarModule>;

const CATALOGUE = path.resolve(CONFORMANCE_DIR, '..', 'catalogue', 'stdlib.json');
const haveShared = fs.existsSync(CONFORMANCE_DIR);

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Files the upstream parser accepts (so the grammar must not flag anything in them). */
function validCorpus(): string[] {
  const files: string[] = [];
  const extra = path.join(CONFORMANCE_DIR, 'extra-alloy-files');
  const status = path.join(CONFORMANCE_DIR, 'extra-alloy-files-golden', 'STATUS.tsv');
  for (const line of fs.readFileSync(status, 'utf8').split('\n').slice(1)) {
    const [file, st] = line.split('\t');
    if (file && st !== 'parse_error') files.push(path.join(extra, file));
  }
  const snippets = path.join(CONFORMANCE_DIR, 'doc-snippets');
  const manifest = fs.readFileSync(path.join(snippets, 'MANIFEST.tsv'), 'utf8').split('\n');
  const header = manifest[0].split('\t');
  const fileCol = header.indexOf('file');
  const parsesCol = header.indexOf('parses');
  for (const line of manifest.slice(1)) {
    const cols = line.split('\t');
    if (cols[parsesCol] === 'true') files.push(path.join(snippets, cols[fileCol]));
  }
  const valid = path.join(CONFORMANCE_DIR, 'syntax', 'parser', 'testdata', 'valid');
  for (const f of fs.readdirSync(valid)) if (f.endsWith('.alloy')) files.push(path.join(valid, f));
  const printer = path.join(CONFORMANCE_DIR, 'syntax', 'printer', 'testdata');
  for (const f of fs.readdirSync(printer)) {
    if (f.endsWith('.in') && !fs.existsSync(path.join(printer, f.replace(/\.in$/, '.error')))) {
      files.push(path.join(printer, f));
    }
  }
  return files;
}

describe('grammar source', () => {
  it('syntaxes/alloy.tmLanguage.json is generated from scripts/grammar.mjs (run `npm run build:grammar`)', async () => {
    const mod = await importGrammarSource();
    assert.equal(fs.readFileSync(GRAMMAR_PATH, 'utf8'), mod.grammarJson());
  });

  it('stdlib names match the shared catalogue', { skip: !fs.existsSync(CATALOGUE) && 'no ../shared/catalogue' }, async () => {
    const { stdlib } = await importGrammarSource();
    const cat = JSON.parse(fs.readFileSync(CATALOGUE, 'utf8')) as {
      functions: Array<{ name: string; deprecated: boolean }>;
      objects: Array<{ name: string; fields: Array<{ name: string }> }>;
    };
    const ours = new Set([
      ...Object.entries(stdlib.STDLIB).flatMap(([ns, fns]) => fns.map((f) => `${ns}.${f}`)),
      ...stdlib.STDLIB_TOP,
    ]);
    const theirs = new Set(cat.functions.filter((f) => !f.deprecated).map((f) => f.name));
    assert.deepEqual([...ours].sort(), [...theirs].sort());
    assert.deepEqual(
      [...stdlib.STDLIB_DEPRECATED].sort(),
      cat.functions.filter((f) => f.deprecated).map((f) => f.name).sort(),
    );
    const constants = cat.objects.find((o) => o.name === 'constants');
    assert.deepEqual([...stdlib.CONSTANTS].sort(), constants?.fields.map((f) => f.name).sort());
  });
});

describe('grammar on the conformance corpus', { skip: !haveShared && 'no ../shared/conformance' }, () => {
  it('finds no invalid tokens in files upstream parses, and ends every file at top level', async () => {
    const grammar = await loadGrammar();
    const files = validCorpus();
    assert.ok(files.length > 500, `expected a large corpus, got ${files.length}`);
    const problems: string[] = [];
    for (const file of files) {
      const { tokens, endState } = tokenize(grammar, fs.readFileSync(file, 'utf8'));
      for (const t of tokens) {
        const bad = t.scopes.find((s) => s.startsWith('invalid.'));
        if (bad) problems.push(`${path.relative(CONFORMANCE_DIR, file)}:${t.line}: ${JSON.stringify(t.text)} is ${bad}`);
      }
      const probe = probeScopes(grammar, endState);
      if (probe.join(' ') !== TOP_LEVEL_ATTRIBUTE.join(' ')) {
        problems.push(`${path.relative(CONFORMANCE_DIR, file)}: ends inside ${probe.join(' ')}`);
      }
    }
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`);
  });

  it('tokenizes every other corpus file (including invalid ones) in bounded time', async () => {
    const grammar = await loadGrammar();
    const files = walk(CONFORMANCE_DIR).filter((f) => /\.(alloy|in|txtar)$/.test(f));
    assert.ok(files.length > 1000);
    for (const file of files) {
      assert.doesNotThrow(() => tokenize(grammar, fs.readFileSync(file, 'utf8')), file);
    }
  });

  it('marks upstream lexer errors as invalid', async () => {
    const grammar = await loadGrammar();
    const cases: Array<[string, string]> = [
      ['a = "bad \\q escape"', '\\q'],
      ["a = 'single'", "'"],
      ['a = 10e', '10e'],
      ['# not a comment', '#'],
      ['a = 1 | 2', '|'],
      ['b "not-an-ident" {}', 'not-an-ident'],
    ];
    for (const [src, text] of cases) {
      const { tokens } = tokenize(grammar, src);
      const t = tokens.find((x) => x.text === text);
      assert.ok(t, `${src}: no token ${text}`);
      assert.ok(t.scopes.some((s) => s.startsWith('invalid.')), `${src}: ${text} is ${t.scopes.join(' ')}`);
    }
  });
});
