// The "Alloy: Show Pipeline Graph" webview panel.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { isGraphPageMessage, makeNonce } from './html';
import { errorPage, graphPage } from './page';
import { GRAPH_REQUEST_METHOD, type GraphParams, type PipelineGraph } from './protocol';

export class GraphPanel implements vscode.Disposable {
  private static current: GraphPanel | undefined;

  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private graph: PipelineGraph | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  /** Opens the panel for `document`, or retargets and refreshes the open one. */
  static show(getClient: () => LanguageClient | undefined, document: vscode.TextDocument, column?: vscode.ViewColumn): void {
    if (GraphPanel.current) {
      GraphPanel.current.document = document.uri;
      GraphPanel.current.sourceColumn = column;
      GraphPanel.current.panel.reveal(undefined, true);
      void GraphPanel.current.refresh();
      return;
    }
    GraphPanel.current = new GraphPanel(getClient, document.uri, column);
  }

  private constructor(
    private readonly getClient: () => LanguageClient | undefined,
    private document: vscode.Uri,
    private sourceColumn: vscode.ViewColumn | undefined,
  ) {
    this.panel = vscode.window.createWebviewPanel(
      'alloy.pipelineGraph',
      'Alloy Pipeline',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [] },
    );
    this.panel.onDidDispose(() => this.dispose(), null, this.disposables);
    this.panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), null, this.disposables);
    // Refresh when an Alloy file of the same directory (one module) is saved.
    vscode.workspace.onDidSaveTextDocument(
      (doc) => {
        if (doc.languageId !== 'grafana-alloy') return;
        if (path.dirname(doc.uri.fsPath) === path.dirname(this.document.fsPath)) this.scheduleRefresh();
      },
      null,
      this.disposables,
    );
    void this.refresh();
  }

  private get ctx(): { title: string; nonce: string; cspSource: string } {
    return { title: path.basename(this.document.fsPath), nonce: makeNonce(), cspSource: this.panel.webview.cspSource };
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), 300);
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    this.panel.title = `Alloy Pipeline: ${path.basename(this.document.fsPath)}`;
    const client = this.getClient();
    if (!client || !client.isRunning()) {
      this.graph = undefined;
      this.panel.webview.html = errorPage(
        'The Alloy language server is not running. Check the "Grafana Alloy" output, or run "Alloy: Restart Language Server".',
        this.ctx,
      );
      return;
    }
    const params: GraphParams = { textDocument: { uri: client.code2ProtocolConverter.asUri(this.document) } };
    try {
      const raw = await client.sendRequest<unknown>(GRAPH_REQUEST_METHOD, params);
      if (generation !== this.generation) return;
      const page = graphPage(raw, this.ctx);
      this.graph = page.graph;
      this.panel.webview.html = page.html;
    } catch (err) {
      if (generation !== this.generation) return;
      this.graph = undefined;
      const msg = err instanceof Error ? err.message : String(err);
      this.panel.webview.html = errorPage(`The server could not build the pipeline graph (${GRAPH_REQUEST_METHOD}): ${msg}`, this.ctx);
    }
  }

  private onMessage(message: unknown): void {
    if (!isGraphPageMessage(message)) return;
    if (message.type === 'refresh') {
      void this.refresh();
      return;
    }
    const node = this.graph?.nodes.find((n) => n.id === message.id);
    if (!node) return;
    const client = this.getClient();
    const uri = node.file
      ? client
        ? client.protocol2CodeConverter.asUri(node.file)
        : vscode.Uri.parse(node.file)
      : this.document;
    const selection = node.range
      ? new vscode.Range(node.range.start.line, node.range.start.character, node.range.start.line, node.range.start.character)
      : undefined;
    void vscode.window.showTextDocument(uri, {
      selection,
      viewColumn: this.sourceColumn ?? vscode.ViewColumn.One,
      preserveFocus: false,
    });
  }

  dispose(): void {
    if (GraphPanel.current === this) GraphPanel.current = undefined;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
