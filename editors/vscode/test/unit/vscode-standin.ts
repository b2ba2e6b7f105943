// A stand-in for the parts of the `vscode` API that vscode-languageclient uses to talk to a real
// server: text documents and their events, editor tabs, `languages.match`, diagnostic
// collections, provider registration, and the value classes the protocol converters build
// (Range, Diagnostic, CompletionItem, TextEdit, MarkdownString, SemanticTokens, ...).
//
// It extends the smaller mock of vscode-mock.ts (settings, commands, output, webviews). The
// behaviour follows VS Code's documented API where the client depends on it: `languages.match`
// scores language, scheme and glob pattern filters; opening a document adds an editor tab
// before firing `onDidOpenTextDocument` (VS Code's order, which the pull-diagnostics code of
// the client relies on); edits bump the version and fire `onDidChangeTextDocument`.
// Members that are still not modelled fall back to inert proxies and are recorded in
// `unmodelledUses`, so a test can show what it did not exercise.
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as path from 'node:path';
import { createVscodeMock, MockUri, withFallback, type MockState } from './vscode-mock';

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
  isBefore(other: Position): boolean {
    return this.line < other.line || (this.line === other.line && this.character < other.character);
  }
  isEqual(other: Position): boolean {
    return this.line === other.line && this.character === other.character;
  }
  compareTo(other: Position): number {
    return this.isBefore(other) ? -1 : this.isEqual(other) ? 0 : 1;
  }
  translate(lineDelta = 0, characterDelta = 0): Position {
    return new Position(this.line + lineDelta, this.character + characterDelta);
  }
  with(line = this.line, character = this.character): Position {
    return new Position(line, character);
  }
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    if (typeof a === 'number' && typeof b === 'number') {
      this.start = new Position(a, b);
      this.end = new Position(c ?? a, d ?? b);
    } else {
      this.start = a as Position;
      this.end = b as Position;
    }
  }
  get isEmpty(): boolean {
    return this.start.isEqual(this.end);
  }
  get isSingleLine(): boolean {
    return this.start.line === this.end.line;
  }
  contains(p: Position | Range): boolean {
    const r = p instanceof Range ? p : new Range(p, p);
    return !r.start.isBefore(this.start) && !this.end.isBefore(r.end);
  }
}

export class Location {
  constructor(
    readonly uri: MockUri,
    readonly range: Range,
  ) {}
}

export const DiagnosticSeverity = { Error: 0, Warning: 1, Information: 2, Hint: 3 };
export const DiagnosticTag = { Unnecessary: 1, Deprecated: 2 };

export class Diagnostic {
  source?: string;
  code?: string | number | { value: string | number; target: MockUri };
  relatedInformation?: DiagnosticRelatedInformation[];
  tags?: number[];
  constructor(
    public range: Range,
    public message: string,
    public severity: number = DiagnosticSeverity.Error,
  ) {}
}

export class DiagnosticRelatedInformation {
  constructor(
    readonly location: Location,
    readonly message: string,
  ) {}
}

export class MarkdownString {
  isTrusted?: boolean;
  supportHtml?: boolean;
  constructor(
    public value = '',
    public supportThemeIcons = false,
  ) {}
  appendText(v: string): MarkdownString {
    this.value += v;
    return this;
  }
  appendMarkdown(v: string): MarkdownString {
    this.value += v;
    return this;
  }
  appendCodeblock(v: string, language = ''): MarkdownString {
    this.value += '\n```' + language + '\n' + v + '\n```\n';
    return this;
  }
}

export class SnippetString {
  constructor(public value = '') {}
}

export class TextEdit {
  constructor(
    public range: Range,
    public newText: string,
  ) {}
  static replace(range: Range, newText: string): TextEdit {
    return new TextEdit(range, newText);
  }
  static insert(position: Position, newText: string): TextEdit {
    return new TextEdit(new Range(position, position), newText);
  }
  static delete(range: Range): TextEdit {
    return new TextEdit(range, '');
  }
}

export class CompletionItem {
  detail?: string;
  documentation?: string | MarkdownString;
  sortText?: string;
  filterText?: string;
  insertText?: string | SnippetString;
  range?: Range | { inserting: Range; replacing: Range };
  tags?: number[];
  command?: unknown;
  commitCharacters?: string[];
  additionalTextEdits?: TextEdit[];
  preselect?: boolean;
  keepWhitespace?: boolean;
  constructor(
    public label: string | { label: string },
    public kind?: number,
  ) {}
}

export class CompletionList {
  constructor(
    public items: CompletionItem[] = [],
    public isIncomplete = false,
  ) {}
}

export class Hover {
  constructor(
    public contents: unknown,
    public range?: Range,
  ) {}
}

export class SemanticTokens {
  constructor(
    readonly data: Uint32Array,
    readonly resultId?: string,
  ) {}
}

export class SemanticTokensEdit {
  constructor(
    readonly start: number,
    readonly deleteCount: number,
    readonly data?: Uint32Array,
  ) {}
}

export class SemanticTokensEdits {
  constructor(
    readonly edits: SemanticTokensEdit[],
    readonly resultId?: string,
  ) {}
}

export class SemanticTokensLegend {
  constructor(
    readonly tokenTypes: string[],
    readonly tokenModifiers: string[] = [],
  ) {}
}

/** Base classes the client's `Protocol*` classes extend at load time; plain records here. */
class Record_ {
  constructor(...args: unknown[]) {
    (this as any).args = args;
  }
}

export class TabInputText {
  constructor(readonly uri: MockUri) {}
}

/** A text document as the client reads it (uri, languageId, version, text and positions). */
export class StandinDocument {
  version = 1;
  isClosed = false;
  isDirty = false;
  readonly eol = 1;
  constructor(
    readonly uri: MockUri,
    readonly languageId: string,
    private text: string,
  ) {}
  get fileName(): string {
    return this.uri.fsPath;
  }
  get isUntitled(): boolean {
    return this.uri.scheme === 'untitled';
  }
  get lineCount(): number {
    return this.text.split('\n').length;
  }
  getText(range?: Range): string {
    if (!range) return this.text;
    return this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end));
  }
  setText(text: string): void {
    this.text = text;
    this.version += 1;
  }
  /** UTF-16 offsets, as VS Code's. */
  offsetAt(p: Position): number {
    const lines = this.text.split('\n');
    let offset = 0;
    for (let i = 0; i < Math.min(p.line, lines.length); i++) offset += lines[i].length + 1;
    const line = lines[Math.min(p.line, lines.length - 1)] ?? '';
    return Math.min(offset + Math.min(p.character, line.length), this.text.length);
  }
  positionAt(offset: number): Position {
    const before = this.text.slice(0, Math.max(0, offset));
    const lines = before.split('\n');
    return new Position(lines.length - 1, lines[lines.length - 1].length);
  }
  lineAt(line: number | Position): { text: string; range: Range; lineNumber: number } {
    const n = typeof line === 'number' ? line : line.line;
    const text = this.text.split('\n')[n] ?? '';
    return { text, range: new Range(n, 0, n, text.length), lineNumber: n };
  }
  getWordRangeAtPosition(): Range | undefined {
    return undefined;
  }
  validatePosition(p: Position): Position {
    return this.positionAt(this.offsetAt(p));
  }
  async save(): Promise<boolean> {
    return true;
  }
}

export interface StandinState extends MockState {
  documents: StandinDocument[];
  /** Registered providers by registration function (`registerCompletionItemProvider`, ...). */
  providers: Map<string, any[]>;
  /** Diagnostic collections by name: uri -> diagnostics. */
  diagnostics: Map<string, Map<string, Diagnostic[]>>;
}

type Filter = string | { language?: string; scheme?: string; pattern?: string | { pattern: string } };

/** A glob as VS Code's selectors use it (`**`, `*`, `?`, `{a,b}`), matched on the whole path. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') re += '[^/]';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',') re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** `vscode.languages.match`: 10 for an exact language or scheme match, 5 for `*`, 0 for none. */
export function matchScore(selector: Filter | Filter[], doc: StandinDocument): number {
  const filters = Array.isArray(selector) ? selector : [selector];
  let best = 0;
  for (const f of filters) {
    let score = 0;
    if (typeof f === 'string') {
      score = f === doc.languageId ? 10 : f === '*' ? 5 : 0;
    } else {
      score = 10;
      if (f.language !== undefined) {
        if (f.language === doc.languageId) score = Math.min(score, 10);
        else if (f.language === '*') score = Math.min(score, 5);
        else score = 0;
      }
      if (score && f.scheme !== undefined) {
        if (f.scheme === doc.uri.scheme) score = Math.min(score, 10);
        else if (f.scheme === '*') score = Math.min(score, 5);
        else score = 0;
      }
      if (score && f.pattern !== undefined) {
        const pattern = typeof f.pattern === 'string' ? f.pattern : f.pattern.pattern;
        score = globToRegExp(pattern).test(doc.uri.fsPath) ? Math.min(score, 10) : 0;
      }
    }
    best = Math.max(best, score);
  }
  return best;
}

export function createStandin(settings: Record<string, unknown>): {
  vscode: any;
  state: StandinState;
  open(file: string, text: string): StandinDocument;
  edit(doc: StandinDocument, text: string): void;
  close(doc: StandinDocument): void;
} {
  const { vscode, state: base } = createVscodeMock(settings);
  const state = base as StandinState;
  state.documents = [];
  state.providers = new Map();
  state.diagnostics = new Map();
  const Emitter = vscode.EventEmitter;
  const onOpen = new Emitter();
  const onChange = new Emitter();
  const onClose = new Emitter();
  const onSave = new Emitter();
  const onWillSave = new Emitter();
  const onTabs = new Emitter();
  const onActiveEditor = new Emitter();
  const tabs: Array<{ input: TabInputText; label: string }> = [];

  Object.assign(vscode, {
    Position,
    Range,
    Location,
    Diagnostic,
    DiagnosticSeverity,
    DiagnosticTag,
    DiagnosticRelatedInformation,
    MarkdownString,
    SnippetString,
    TextEdit,
    CompletionItem,
    CompletionList,
    CompletionItemKind: Object.fromEntries(
      'Text Method Function Constructor Field Variable Class Interface Module Property Unit Value Enum Keyword Snippet Color File Reference Folder EnumMember Constant Struct Event Operator TypeParameter'
        .split(' ')
        .map((k, i) => [k, i]),
    ),
    CompletionItemTag: { Deprecated: 1 },
    CompletionTriggerKind: { Invoke: 0, TriggerCharacter: 1, TriggerForIncompleteCompletions: 2 },
    Hover,
    SemanticTokens,
    SemanticTokensEdit,
    SemanticTokensEdits,
    SemanticTokensLegend,
    TabInputText,
    TabInputTextDiff: class {},
    TabInputCustom: class {},
    TextDocumentSaveReason: { Manual: 1, AfterDelay: 2, FocusOut: 3 },
    CodeAction: Record_,
    CodeLens: Record_,
    DocumentLink: Record_,
    InlayHint: Record_,
    CallHierarchyItem: Record_,
    TypeHierarchyItem: Record_,
    SymbolInformation: Record_,
  });

  const languages = withFallback(
    {
      match: (selector: Filter | Filter[], doc: StandinDocument) => matchScore(selector, doc),
      createDiagnosticCollection: (name = 'default') => {
        const entries = new Map<string, Diagnostic[]>();
        state.diagnostics.set(name, entries);
        return {
          name,
          set(uri: any, diags?: Diagnostic[]) {
            if (Array.isArray(uri)) {
              for (const [u, d] of uri) entries.set(u.toString(), d ?? []);
            } else if (diags === undefined) {
              entries.delete(uri.toString());
            } else {
              entries.set(uri.toString(), diags);
            }
          },
          delete(uri: MockUri) {
            entries.delete(uri.toString());
          },
          clear() {
            entries.clear();
          },
          get(uri: MockUri) {
            return entries.get(uri.toString());
          },
          has(uri: MockUri) {
            return entries.has(uri.toString());
          },
          forEach(cb: (uri: MockUri, d: Diagnostic[]) => void) {
            entries.forEach((d, u) => cb(MockUri.parse(u), d));
          },
          dispose() {
            entries.clear();
            state.diagnostics.delete(name);
          },
        };
      },
    },
    'languages',
  );
  // Every `register*Provider` records its provider.
  const registering = new Proxy(languages, {
    get(t, prop) {
      if (typeof prop === 'string' && /^register.*Provider$/.test(prop)) {
        return (_selector: unknown, provider: unknown) => {
          const list = state.providers.get(prop) ?? [];
          list.push(provider);
          state.providers.set(prop, list);
          return { dispose: () => list.splice(list.indexOf(provider), 1) };
        };
      }
      return (t as any)[prop];
    },
  });
  vscode.languages = registering;

  Object.assign(vscode.workspace, {
    textDocuments: state.documents,
    onDidOpenTextDocument: onOpen.event,
    onDidChangeTextDocument: onChange.event,
    onDidCloseTextDocument: onClose.event,
    onDidSaveTextDocument: onSave.event,
    onWillSaveTextDocument: onWillSave.event,
    getWorkspaceFolder: () => undefined,
    applyEdit: async () => false,
  });
  Object.defineProperty(vscode.window, 'activeTextEditor', {
    get: () => state.activeTextEditor,
    configurable: true,
  });
  Object.assign(vscode.window, {
    onDidChangeActiveTextEditor: onActiveEditor.event,
    tabGroups: {
      get all() {
        return [{ tabs, isActive: true, viewColumn: 1 }];
      },
      onDidChangeTabs: onTabs.event,
      onDidChangeTabGroups: new Emitter().event,
    },
  });

  function open(file: string, text: string): StandinDocument {
    const doc = new StandinDocument(MockUri.file(file), 'grafana-alloy', text);
    // VS Code: the tab first, then the document events, then the active editor.
    const tab = { input: new TabInputText(doc.uri), label: path.basename(file) };
    tabs.push(tab);
    onTabs.fire({ opened: [tab], closed: [], changed: [] });
    state.documents.push(doc);
    onOpen.fire(doc);
    state.activeTextEditor = { document: doc, viewColumn: 1 };
    onActiveEditor.fire(state.activeTextEditor);
    return doc;
  }

  function edit(doc: StandinDocument, text: string): void {
    const whole = new Range(new Position(0, 0), doc.positionAt(doc.getText().length));
    const rangeLength = doc.getText().length;
    doc.setText(text);
    onChange.fire({
      document: doc,
      contentChanges: [{ range: whole, rangeOffset: 0, rangeLength, text }],
      reason: undefined,
    });
  }

  function close(doc: StandinDocument): void {
    const at = tabs.findIndex((t) => t.input.uri.toString() === doc.uri.toString());
    const closed = at >= 0 ? tabs.splice(at, 1) : [];
    onTabs.fire({ opened: [], closed, changed: [] });
    state.documents.splice(state.documents.indexOf(doc), 1);
    doc.isClosed = true;
    onClose.fire(doc);
  }

  return { vscode, state, open, edit, close };
}

/** Applies TextEdits (as returned by a formatting provider) to a document's text. */
export function applyEdits(doc: StandinDocument, edits: TextEdit[]): string {
  const text = doc.getText();
  const sorted = [...edits].sort((a, b) => doc.offsetAt(b.range.start) - doc.offsetAt(a.range.start));
  let out = text;
  for (const e of sorted) {
    out = out.slice(0, doc.offsetAt(e.range.start)) + e.newText + out.slice(doc.offsetAt(e.range.end));
  }
  return out;
}
