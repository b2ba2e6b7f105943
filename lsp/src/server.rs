//! The `LanguageServer` implementation: protocol plumbing only. Each
//! request is answered by a function in `handlers/` on a snapshot (see
//! [`Shared::read`]); notifications that change documents are queued for
//! the writer thread.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::{self, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::handlers;
use crate::session::Session;
use crate::shared::{Shared, Write};

pub struct Server {
    client: Client,
    shared: Arc<Shared>,
    tokens: handlers::semantic_tokens::TokenCache,
}

impl Server {
    pub fn new(client: Client) -> Server {
        Server {
            client,
            shared: Shared::new(),
            tokens: Default::default(),
        }
    }

    /// The state shared with the writer thread and the diagnostics task.
    pub fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// Whether `shutdown` was received (the process then exits with 0 on
    /// `exit`, as the protocol asks).
    pub fn shutdown_requested(&self) -> bool {
        self.shared.shutdown_requested.load(Ordering::SeqCst)
    }

    /// `alloy/graph`: the component graph of the document's module.
    pub async fn graph(
        &self,
        params: handlers::graph::GraphParams,
    ) -> Result<Option<handlers::graph::PipelineGraph>> {
        let uri = params.text_document.uri;
        Ok(self
            .shared
            .read(&uri, handlers::graph::graph)
            .await?
            .flatten())
    }

    /// Answers, with the right JSON-RPC error, for a message the transport
    /// could not decode (see [`crate::transport`]).
    pub async fn invalid_message(
        &self,
        params: crate::transport::InvalidMessage,
    ) -> Result<serde_json::Value> {
        Err(params.error())
    }

    fn start_publisher(&self) {
        if self.shared.publisher_started.swap(true, Ordering::SeqCst) {
            return;
        }
        tokio::spawn(handlers::diagnostics::publisher(
            self.shared.clone(),
            self.client.clone(),
        ));
    }

    async fn pull_configuration(&self) {
        if !self.shared.session().caps.configuration {
            return;
        }
        let item = ConfigurationItem {
            scope_uri: None,
            section: Some("alloy".into()),
        };
        if let Ok(values) = self.client.configuration(vec![item]).await {
            if let Some(value) = values.into_iter().next().filter(|v| v.is_object()) {
                self.shared.submit(Write::Settings(value));
            }
        }
    }
}

fn capabilities(session: &Session) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(session.encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::Supported(false)),
                ..Default::default()
            },
        )),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "\"".into()]),
            resolve_provider: Some(true),
            ..Default::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            retrigger_characters: None,
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: handlers::semantic_tokens::legend(),
                range: Some(true),
                full: Some(SemanticTokensFullOptions::Delta { delta: Some(true) }),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
        document_link_provider: Some(DocumentLinkOptions {
            resolve_provider: Some(false),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        inlay_hint_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            resolve_provider: Some(false),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_range_formatting_provider: Some(OneOf::Left(true)),
        diagnostic_provider: session.caps.pull_diagnostics.then(|| {
            DiagnosticServerCapabilities::Options(DiagnosticOptions {
                identifier: Some("alloy".into()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })
        }),
        experimental: Some(serde_json::json!({ "alloyGraph": true })),
        ..Default::default()
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let session = Arc::new(Session::from_params(&params));
        let capabilities = capabilities(&session);
        let _ = self.shared.session.set(session);
        if let Some(options) = params.initialization_options {
            self.shared.submit(Write::Settings(options));
        }
        Ok(InitializeResult {
            capabilities,
            server_info: Some(ServerInfo {
                name: "alloy-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.start_publisher();
        // Alloy loads every `*.alloy` file of a directory: watch them, so
        // files created, changed or deleted outside the editor are seen.
        if self.shared.session().caps.watch_files {
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![FileSystemWatcher {
                    glob_pattern: GlobPattern::String("**/*.alloy".into()),
                    kind: None,
                }],
            };
            let registration = Registration {
                id: "alloy-watch-files".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            // The client answers; do not hold up the notification queue.
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.register_capability(vec![registration]).await;
            });
        }
    }

    async fn shutdown(&self) -> Result<()> {
        self.shared.shutdown_requested.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.shared.submit(Write::Open {
            uri: doc.uri,
            version: doc.version,
            text: doc.text,
        });
        // A client that skipped `initialized` still gets diagnostics.
        self.start_publisher();
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let encoding = self.shared.session().encoding;
        self.shared.submit(Write::Change {
            uri: params.text_document.uri,
            version: params.text_document.version,
            changes: params.content_changes,
            encoding,
        });
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.tokens.forget(&params.text_document.uri);
        self.shared.submit(Write::Close {
            uri: params.text_document.uri,
        });
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {}

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.shared.submit(Write::Watched(params.changes));
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let settings = params.settings;
        let usable = settings.get("alloy").is_some_and(|v| v.is_object())
            || settings.get("stabilityLevel").is_some()
            || settings.get("communityComponents").is_some();
        if usable {
            self.shared.submit(Write::Settings(settings));
        } else {
            self.pull_configuration().await;
        }
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri;
        let items = self
            .shared
            .read(&uri, handlers::diagnostics::document_report)
            .await?
            .unwrap_or_default();
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let uri = params.text_document.uri;
        Ok(self
            .shared
            .read(&uri, handlers::formatting::format_document)
            .await?
            .flatten())
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        let uri = params.text_document.uri;
        let range = params.range;
        Ok(self
            .shared
            .read(&uri, move |w, d| {
                handlers::formatting::format_range(w, d, range)
            })
            .await?
            .flatten())
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let pos = params.text_document_position;
        let position = pos.position;
        Ok(self
            .shared
            .read(&pos.text_document.uri, move |w, d| {
                handlers::completion::completion(w, d, position)
            })
            .await?
            .flatten())
    }

    async fn completion_resolve(&self, item: CompletionItem) -> Result<CompletionItem> {
        Ok(handlers::completion_docs::resolve(
            &self.shared.session(),
            item,
        ))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let pos = params.text_document_position_params;
        let position = pos.position;
        Ok(self
            .shared
            .read(&pos.text_document.uri, move |w, d| {
                handlers::hover::hover(w, d, position)
            })
            .await?
            .flatten())
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let pos = params.text_document_position_params;
        let position = pos.position;
        Ok(self
            .shared
            .read(&pos.text_document.uri, move |w, d| {
                handlers::signature::signature_help(w, d, position)
            })
            .await?
            .flatten())
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let pos = params.text_document_position_params;
        let position = pos.position;
        Ok(self
            .shared
            .read(&pos.text_document.uri, move |w, d| {
                handlers::navigation::definition(w, d, position)
            })
            .await?
            .flatten())
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let pos = params.text_document_position;
        let position = pos.position;
        let include = params.context.include_declaration;
        Ok(self
            .shared
            .read(&pos.text_document.uri, move |w, d| {
                handlers::navigation::references(w, d, position, include)
            })
            .await?
            .flatten())
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let position = params.position;
        Ok(self
            .shared
            .read(&params.text_document.uri, move |w, d| {
                handlers::rename::prepare_rename(w, d, position)
            })
            .await?
            .flatten())
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let pos = params.text_document_position;
        let position = pos.position;
        let new_name = params.new_name;
        let answer = self
            .shared
            .read(&pos.text_document.uri, move |w, d| {
                handlers::rename::rename(w, d, position, &new_name)
            })
            .await?;
        match answer {
            None => Ok(None),
            Some(Ok(edit)) => Ok(edit),
            Some(Err(message)) => Err(jsonrpc::Error::invalid_params(message)),
        }
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self
            .shared
            .read(
                &params.text_document.uri,
                handlers::symbols::document_symbols,
            )
            .await?
            .flatten())
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let query = params.query;
        let symbols = self
            .shared
            .read_world(move |w| handlers::symbols::workspace_symbols(w, &query))
            .await?;
        Ok(Some(WorkspaceSymbolResponse::Nested(symbols)))
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let uri = params.text_document.uri;
        Ok(self
            .shared
            .read(&uri, |w, d| handlers::semantic_tokens::tokens(w, d, None))
            .await?
            .map(|data| {
                let id = self.tokens.store(&uri, &data);
                SemanticTokensResult::Tokens(SemanticTokens {
                    result_id: Some(id),
                    data,
                })
            }))
    }

    async fn semantic_tokens_full_delta(
        &self,
        params: SemanticTokensDeltaParams,
    ) -> Result<Option<SemanticTokensFullDeltaResult>> {
        let uri = params.text_document.uri;
        let Some(data) = self
            .shared
            .read(&uri, |w, d| handlers::semantic_tokens::tokens(w, d, None))
            .await?
        else {
            return Ok(None);
        };
        let previous = self.tokens.previous(&uri, &params.previous_result_id);
        let id = self.tokens.store(&uri, &data);
        Ok(Some(match previous {
            Some(old) => SemanticTokensFullDeltaResult::TokensDelta(SemanticTokensDelta {
                result_id: Some(id),
                edits: handlers::semantic_tokens::delta(&old, &data),
            }),
            // Unknown or outdated id: the whole list, as the protocol asks.
            None => SemanticTokensFullDeltaResult::Tokens(SemanticTokens {
                result_id: Some(id),
                data,
            }),
        }))
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        let range = params.range;
        Ok(self
            .shared
            .read(&params.text_document.uri, move |w, d| {
                handlers::semantic_tokens::tokens(w, d, Some(range))
            })
            .await?
            .map(|data| {
                SemanticTokensRangeResult::Tokens(SemanticTokens {
                    result_id: None,
                    data,
                })
            }))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.shared
            .read(&params.text_document.uri, handlers::folding::folding_ranges)
            .await
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        let positions = params.positions;
        self.shared
            .read(&params.text_document.uri, move |w, d| {
                handlers::selection::selection_ranges(w, d, &positions)
            })
            .await
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        self.shared
            .read(&params.text_document.uri, handlers::links::document_links)
            .await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let range = params.range;
        self.shared
            .read(&params.text_document.uri, move |w, d| {
                handlers::inlay::inlay_hints(w, d, range)
            })
            .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let range = params.range;
        self.shared
            .read(&params.text_document.uri, move |w, d| {
                handlers::code_actions::code_actions(w, d, range)
            })
            .await
    }
}
