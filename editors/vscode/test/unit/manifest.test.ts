// The extension manifest, language configuration and source agree with each other.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { STABILITY_LEVELS } from '../../src/settings';
import { EXTENSION_ROOT } from './helpers';

const read = (p: string) => fs.readFileSync(path.join(EXTENSION_ROOT, p), 'utf8');
const pkg = JSON.parse(read('package.json'));
const langConf = JSON.parse(read('language-configuration.json'));

describe('package.json', () => {
  it('declares the grafana-alloy language for *.alloy with its grammar', () => {
    const lang = pkg.contributes.languages[0];
    assert.equal(lang.id, 'grafana-alloy');
    assert.deepEqual(lang.extensions, ['.alloy']);
    const grammar = pkg.contributes.grammars[0];
    assert.equal(grammar.language, 'grafana-alloy');
    assert.equal(grammar.scopeName, 'source.alloy');
    assert.ok(fs.existsSync(path.join(EXTENSION_ROOT, grammar.path)));
    assert.ok(fs.existsSync(path.join(EXTENSION_ROOT, lang.configuration)));
    assert.equal(JSON.parse(read(grammar.path)).scopeName, 'source.alloy');
  });

  it('registers every contributed command in the extension and vice versa', () => {
    const declared = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
    const source = read('src/extension.ts');
    const registered = [...source.matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]).sort();
    assert.deepEqual(registered, declared);
    assert.ok(declared.includes('alloy.showPipelineGraph'));
    assert.ok(declared.includes('alloy.restartServer'));
  });

  it('declares the settings the client reads', () => {
    const props = pkg.contributes.configuration.properties;
    assert.deepEqual(props['alloy.stabilityLevel'].enum, [...STABILITY_LEVELS]);
    assert.equal(props['alloy.stabilityLevel'].default, 'generally-available');
    assert.equal(props['alloy.communityComponents'].type, 'boolean');
    assert.equal(props['alloy.server.path'].type, 'string');
    assert.ok(props['alloy.trace.server']);
  });

  it('bundles to dist/ and keeps the engine compatible with @types/vscode', () => {
    assert.equal(pkg.main, './dist/extension.js');
    const engine = pkg.engines.vscode.replace(/^\^/, '');
    const types = pkg.devDependencies['@types/vscode'].replace(/^[~^]/, '');
    const [eMaj, eMin] = engine.split('.').map(Number);
    const [tMaj, tMin] = types.split('.').map(Number);
    assert.ok(tMaj < eMaj || (tMaj === eMaj && tMin <= eMin), '@types/vscode must not be newer than engines.vscode');
  });
});

describe('language-configuration.json', () => {
  it('has comments, brackets and auto-closing pairs including backticks', () => {
    assert.equal(langConf.comments.lineComment, '//');
    assert.deepEqual(langConf.comments.blockComment, ['/*', '*/']);
    const opens = langConf.autoClosingPairs.map((p: { open: string }) => p.open);
    for (const o of ['{', '[', '(', '"', '`']) assert.ok(opens.includes(o), o);
    const surround = langConf.surroundingPairs.map((p: string[]) => p[0]);
    assert.ok(surround.includes('`'));
  });

  it('indents after an opening bracket and outdents on a closing one', () => {
    const inc = new RegExp(langConf.indentationRules.increaseIndentPattern);
    const dec = new RegExp(langConf.indentationRules.decreaseIndentPattern);
    for (const l of ['prometheus.scrape "default" {', '\tforward_to = [', 'x = f(', 'logging { // comment']) {
      assert.ok(inc.test(l), `should indent after ${l}`);
    }
    for (const l of ['a = 1', 'logging { level = "info" }', '// comment {', 'x = [1, 2]']) {
      assert.ok(!inc.test(l), `should not indent after ${l}`);
    }
    for (const l of ['}', '\t]', '  )']) assert.ok(dec.test(l), l);
    assert.ok(!dec.test('a = {'));
  });

  it('has region folding markers', () => {
    const start = new RegExp(langConf.folding.markers.start);
    const end = new RegExp(langConf.folding.markers.end);
    assert.ok(start.test('// region scrape jobs'));
    assert.ok(start.test('\t//#region'));
    assert.ok(end.test('// endregion'));
    assert.ok(!start.test('a = 1 // region'));
  });

  it('selects whole identifiers (Unicode included) and numbers as words', () => {
    const wp = new RegExp(langConf.wordPattern.pattern, `${langConf.wordPattern.flags}g`);
    const words = (s: string) => s.match(wp);
    assert.deepEqual(words('prometheus.remote_write.default'), ['prometheus', 'remote_write', 'default']);
    assert.deepEqual(words('données_1 = 6.02e23'), ['données_1', '6.02e23']);
    assert.deepEqual(words('foo६४ = .5'), ['foo६४', '.5']);
  });
});
