// Shared test helpers: paths and a TextMate tokenizer for the Alloy grammar.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';

/** editors/vscode (tests run from out/test/unit). */
export const EXTENSION_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The shared conformance data next to the repository (absent in some checkouts). */
export const CONFORMANCE_DIR = path.resolve(EXTENSION_ROOT, '..', '..', '..', 'shared', 'conformance');
export const GRAMMAR_PATH = path.join(EXTENSION_ROOT, 'syntaxes', 'alloy.tmLanguage.json');

let grammarPromise: Promise<vsctm.IGrammar> | undefined;

export function loadGrammar(): Promise<vsctm.IGrammar> {
  grammarPromise ??= (async () => {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) =>
        scopeName === 'source.alloy'
          ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH)
          : null,
    });
    const grammar = await registry.loadGrammar('source.alloy');
    if (!grammar) throw new Error('grammar source.alloy not loaded');
    return grammar;
  })();
  return grammarPromise;
}

export interface Token {
  line: number;
  text: string;
  scopes: string[];
}

export interface Tokenized {
  tokens: Token[];
  /** Rule stack after the last line. */
  endState: vsctm.StackElement;
}

/** Tokenizes a whole document (LF or CRLF line ends). */
export function tokenize(grammar: vsctm.IGrammar, text: string, state: vsctm.StackElement = vsctm.INITIAL): Tokenized {
  const tokens: Token[] = [];
  let stack = state;
  text.split(/\r?\n/).forEach((line, i) => {
    const r = grammar.tokenizeLine(line, stack, 5000);
    if (r.stoppedEarly) throw new Error(`tokenization of line ${i + 1} took too long`);
    for (const t of r.tokens) {
      tokens.push({ line: i + 1, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    stack = r.ruleStack;
  });
  return { tokens, endState: stack };
}

/** Scopes of a probe line tokenized after `state`: tells whether the grammar is back at the top level. */
export function probeScopes(grammar: vsctm.IGrammar, state: vsctm.StackElement): string[] {
  const r = grammar.tokenizeLine('zz_probe_attribute = 1', state);
  return r.tokens[0].scopes;
}

export const TOP_LEVEL_ATTRIBUTE = ['source.alloy', 'entity.other.attribute-name.alloy'];
