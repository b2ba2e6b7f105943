// A small stand-in for the `vscode` module, enough to load the bundled extension in Node and
// drive it: it records messages, commands, configuration listeners and webview panels.
// Anything not modelled here is an inert proxy (callable, constructible, returns disposables).
/* eslint-disable @typescript-eslint/no-explicit-any */
import Module from 'node:module';
import * as path from 'node:path';

export interface MockState {
  errors: string[];
  infos: string[];
  output: string[];
  commands: Map<string, (...args: any[]) => any>;
  configListeners: Array<(e: { affectsConfiguration(section: string): boolean }) => void>;
  panels: MockPanel[];
  shownDocuments: Array<{ uri: MockUri; options: any }>;
  settings: Record<string, unknown>;
  activeTextEditor: any;
}

export interface MockPanel {
  title: string;
  webview: { html: string; cspSource: string };
  send(message: unknown): void;
}

export class MockUri {
  constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(p: string): MockUri {
    return new MockUri('file', path.resolve(p));
  }
  static parse(s: string): MockUri {
    const m = /^file:\/\/(.*)$/.exec(s);
    return new MockUri(m ? 'file' : 'other', m ? decodeURIComponent(m[1]) : s);
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return this.scheme === 'file' ? `file://${this.fsPath}` : this.fsPath;
  }
  with(): MockUri {
    return this;
  }
}

const disposable = () => ({ dispose() {} });

/** Names of unmodelled members that were called or constructed (what a test did not cover). */
export const unmodelledUses = new Set<string>();

function inert(name: string): any {
  const target = function () {};
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      if (prop === 'dispose') return () => undefined;
      return inert(`${name}.${String(prop)}`);
    },
    apply() {
      unmodelledUses.add(`${name}()`);
      return inert(`${name}()`);
    },
    construct() {
      unmodelledUses.add(`new ${name}`);
      return inert(`new ${name}`);
    },
  });
}

export function withFallback<T extends object>(obj: T, name: string): T {
  return new Proxy(obj, {
    get(t, prop) {
      if (prop in t) return (t as any)[prop];
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      return inert(`${name}.${String(prop)}`);
    },
  });
}

export function createVscodeMock(settings: Record<string, unknown>): { vscode: any; state: MockState } {
  const state: MockState = {
    errors: [],
    infos: [],
    output: [],
    commands: new Map(),
    configListeners: [],
    panels: [],
    shownDocuments: [],
    settings,
    activeTextEditor: undefined,
  };

  class Disposable {
    constructor(private readonly fn?: () => void) {}
    dispose(): void {
      this.fn?.();
    }
    static from(...ds: Array<{ dispose(): void }>): Disposable {
      return new Disposable(() => ds.forEach((d) => d.dispose()));
    }
  }
  class EventEmitter<T> {
    private listeners: Array<(e: T) => void> = [];
    // VS Code's `Event<T>`: (listener, thisArgs?, disposables?) => Disposable.
    event = (l: (e: T) => void, thisArgs?: unknown, disposables?: Array<{ dispose(): void }>) => {
      const bound = thisArgs === undefined ? l : l.bind(thisArgs);
      this.listeners.push(bound);
      const d = {
        dispose: () => {
          this.listeners = this.listeners.filter((x) => x !== bound);
        },
      };
      if (Array.isArray(disposables)) disposables.push(d);
      return d;
    };
    fire(e: T): void {
      this.listeners.forEach((l) => l(e));
    }
    dispose(): void {
      this.listeners = [];
    }
  }
  class Position {
    constructor(
      readonly line: number,
      readonly character: number,
    ) {}
  }
  class Range {
    readonly start: Position;
    readonly end: Position;
    constructor(a: number, b: number, c: number, d: number) {
      this.start = new Position(a, b);
      this.end = new Position(c, d);
    }
  }
  class CancellationTokenSource {
    token = { isCancellationRequested: false, onCancellationRequested: () => disposable() };
    cancel(): void {
      this.token.isCancellationRequested = true;
    }
    dispose(): void {}
  }

  const configuration = (section?: string) => ({
    get: (key: string, dflt?: unknown) => {
      const full = section ? `${section}.${key}` : key;
      return full in state.settings ? state.settings[full] : dflt;
    },
    has: (key: string) => (section ? `${section}.${key}` : key) in state.settings,
    inspect: () => undefined,
    update: async () => undefined,
  });

  const workspace = withFallback(
    {
      workspaceFolders: undefined,
      textDocuments: [],
      getConfiguration: configuration,
      onDidChangeConfiguration: (l: any) => {
        state.configListeners.push(l);
        return disposable();
      },
      createFileSystemWatcher: () => ({
        onDidCreate: () => disposable(),
        onDidChange: () => disposable(),
        onDidDelete: () => disposable(),
        dispose() {},
      }),
      onDidSaveTextDocument: () => disposable(),
      openTextDocument: async (uri: MockUri) => ({ uri, languageId: 'grafana-alloy' }),
    },
    'workspace',
  );

  const window = withFallback(
    {
      get activeTextEditor() {
        return state.activeTextEditor;
      },
      visibleTextEditors: [],
      createOutputChannel: (name: string) => ({
        name,
        append: (s: string) => state.output.push(s),
        appendLine: (s: string) => state.output.push(s),
        replace() {},
        clear() {},
        show() {},
        hide() {},
        dispose() {},
      }),
      showErrorMessage: async (m: string) => {
        state.errors.push(m);
        return undefined;
      },
      showWarningMessage: async (m: string) => {
        state.errors.push(m);
        return undefined;
      },
      showInformationMessage: async (m: string) => {
        state.infos.push(m);
        return undefined;
      },
      setStatusBarMessage: () => disposable(),
      showTextDocument: async (uri: MockUri, options: any) => {
        state.shownDocuments.push({ uri, options });
        return undefined;
      },
      createWebviewPanel: () => {
        let listener: ((m: unknown) => void) | undefined;
        const panel = {
          title: '',
          webview: {
            html: '',
            cspSource: 'mock-csp',
            onDidReceiveMessage: (l: (m: unknown) => void) => {
              listener = l;
              return disposable();
            },
            postMessage: async () => true,
          },
          onDidDispose: () => disposable(),
          reveal() {},
          dispose() {},
          send(message: unknown) {
            listener?.(message);
          },
        };
        state.panels.push(panel);
        return panel;
      },
    },
    'window',
  );

  const vscode = withFallback(
    {
      version: '1.91.0',
      Disposable,
      EventEmitter,
      Position,
      Range,
      Uri: MockUri,
      CancellationTokenSource,
      CancellationError: class CancellationError extends Error {},
      ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
      workspace,
      window,
      commands: withFallback(
        {
          registerCommand: (id: string, fn: (...args: any[]) => any) => {
            state.commands.set(id, fn);
            return disposable();
          },
          executeCommand: async () => undefined,
        },
        'commands',
      ),
      languages: withFallback({}, 'languages'),
      env: withFallback({ language: 'en', appName: 'mock' }, 'env'),
    },
    'vscode',
  );
  return { vscode, state };
}

/** Makes `require('vscode')` return `mock` until the returned function is called. */
export function installVscodeMock(mock: unknown): () => void {
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = function (request: string, ...rest: unknown[]) {
    if (request === 'vscode') return mock;
    return original.call(this, request, ...rest);
  };
  return () => {
    mod._load = original;
  };
}
