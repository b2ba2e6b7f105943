// VS Code entry point: starts `alloy lsp`, forwards settings, registers the commands.

import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type Executable,
  type LanguageClientOptions,
} from 'vscode-languageclient/node';
import { GraphPanel } from './graph/panel';
import { processEnvironment, resolveServerPath } from './serverPath';
import { configChangeAction, didChangeConfigurationParams, initializationOptions, readServerSettings } from './settings';

export const LANGUAGE_ID = 'grafana-alloy';
const CLIENT_ID = 'alloy'; // also the prefix of the `alloy.trace.server` setting
const CLIENT_NAME = 'Grafana Alloy Language Server';

let client: LanguageClient | undefined;
let outputChannel: vscode.OutputChannel | undefined;
let starting: Promise<void> | undefined;

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('alloy');
}

async function showNotFound(message: string): Promise<void> {
  const openSettings = 'Open Settings';
  const choice = await vscode.window.showErrorMessage(message, openSettings);
  if (choice === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'alloy.server.path');
  }
}

async function startClient(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const resolution = resolveServerPath(config().get<string>('server.path'), processEnvironment(folder));
  if (!resolution.ok) {
    outputChannel?.appendLine(`${resolution.message}\nSearched:\n  ${resolution.searched.join('\n  ')}`);
    void showNotFound(resolution.message);
    return;
  }
  outputChannel?.appendLine(`Starting ${resolution.path} lsp (from ${resolution.source === 'PATH' ? 'PATH' : 'alloy.server.path'})`);

  const run: Executable = { command: resolution.path, args: ['lsp'], options: { env: { ...process.env } } };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: LANGUAGE_ID },
      { scheme: 'untitled', language: LANGUAGE_ID },
    ],
    initializationOptions: initializationOptions(readServerSettings(config())),
    outputChannel,
    synchronize: {
      // Alloy loads every *.alloy file of a directory as one module.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.alloy'),
    },
  };
  const c = new LanguageClient(CLIENT_ID, CLIENT_NAME, { run, debug: run }, clientOptions);
  client = c;
  try {
    await c.start();
  } catch (err) {
    client = undefined;
    const detail = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(
      `Could not start "${resolution.path} lsp": ${detail}. ` +
        'Is this the alloy toolchain binary? Grafana\'s Go "alloy" has no "lsp" subcommand; set "alloy.server.path".',
    );
    try {
      await c.dispose();
    } catch {
      // already stopped
    }
  }
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (!c) return;
  try {
    await c.stop();
  } catch {
    // The server may already be gone.
  }
}

async function restart(): Promise<void> {
  if (starting) await starting;
  starting = (async () => {
    await stopClient();
    await startClient();
  })();
  try {
    await starting;
  } finally {
    starting = undefined;
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  outputChannel = vscode.window.createOutputChannel('Grafana Alloy');
  context.subscriptions.push(outputChannel);

  context.subscriptions.push(
    vscode.commands.registerCommand('alloy.restartServer', async () => {
      await restart();
      if (client?.isRunning()) void vscode.window.setStatusBarMessage('Alloy language server restarted', 3000);
    }),
    vscode.commands.registerCommand('alloy.showPipelineGraph', async (uri?: vscode.Uri) => {
      let editor = vscode.window.activeTextEditor;
      let document = editor?.document;
      if (uri instanceof vscode.Uri) {
        document = await vscode.workspace.openTextDocument(uri);
        editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
      }
      if (!document || document.languageId !== LANGUAGE_ID) {
        void vscode.window.showInformationMessage('Open an Alloy (.alloy) file to show its pipeline graph.');
        return;
      }
      if (starting) await starting;
      GraphPanel.show(() => client, document, editor?.viewColumn);
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      const action = configChangeAction((s) => event.affectsConfiguration(s));
      if (action === 'restart') {
        void restart();
      } else if (action === 'notify' && client?.isRunning()) {
        void client.sendNotification(
          DidChangeConfigurationNotification.type,
          didChangeConfigurationParams(readServerSettings(config())),
        );
      }
    }),
  );

  starting = startClient();
  try {
    await starting;
  } finally {
    starting = undefined;
  }
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
