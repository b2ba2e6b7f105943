//! What was negotiated at `initialize`: the position encoding and the
//! client capabilities the answers depend on.

use tower_lsp_server::ls_types::{ClientCapabilities, InitializeParams, MarkupKind};

use crate::convert::Encoding;

/// The client's capabilities, reduced to the questions the handlers ask.
#[derive(Clone, Debug, Default)]
pub struct ClientCaps {
    /// Completion items may be snippets (`$1` placeholders).
    pub snippets: bool,
    /// Hover and completion documentation may be Markdown.
    pub markdown: bool,
    /// The client pulls diagnostics (`textDocument/diagnostic`); pushed
    /// diagnostics would be shown twice, so only files it has not opened
    /// are pushed.
    pub pull_diagnostics: bool,
    /// The client honours `workspace/diagnostic/refresh`.
    pub diagnostic_refresh: bool,
    /// The client answers `workspace/configuration`.
    pub configuration: bool,
    /// Folding ranges must be whole lines.
    pub line_folding_only: bool,
    /// Document symbols may be a tree.
    pub hierarchical_symbols: bool,
    /// Semantic tokens may span lines.
    pub multiline_tokens: bool,
    /// `relatedInformation` in diagnostics.
    pub related_information: bool,
    /// The server may register file watchers (`**/*.alloy`) itself.
    pub watch_files: bool,
    /// Completion items may leave `documentation` to
    /// `completionItem/resolve`.
    pub resolve_documentation: bool,
}

impl ClientCaps {
    pub fn from_capabilities(caps: &ClientCapabilities) -> ClientCaps {
        let text = caps.text_document.as_ref();
        let completion_item = text
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref());
        let hover_markdown = text
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
            .is_some_and(|f| f.contains(&MarkupKind::Markdown));
        let workspace = caps.workspace.as_ref();
        ClientCaps {
            snippets: completion_item
                .and_then(|c| c.snippet_support)
                .unwrap_or(false),
            markdown: hover_markdown,
            pull_diagnostics: text.and_then(|t| t.diagnostic.as_ref()).is_some(),
            diagnostic_refresh: workspace
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false),
            configuration: workspace.and_then(|w| w.configuration).unwrap_or(false),
            line_folding_only: text
                .and_then(|t| t.folding_range.as_ref())
                .and_then(|f| f.line_folding_only)
                .unwrap_or(false),
            hierarchical_symbols: text
                .and_then(|t| t.document_symbol.as_ref())
                .and_then(|s| s.hierarchical_document_symbol_support)
                .unwrap_or(false),
            multiline_tokens: text
                .and_then(|t| t.semantic_tokens.as_ref())
                .and_then(|s| s.multiline_token_support)
                .unwrap_or(false),
            related_information: text
                .and_then(|t| t.publish_diagnostics.as_ref())
                .and_then(|p| p.related_information)
                .unwrap_or(false),
            resolve_documentation: completion_item
                .and_then(|c| c.resolve_support.as_ref())
                .is_some_and(|r| r.properties.iter().any(|p| p == "documentation")),
            watch_files: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Session {
    pub encoding: Encoding,
    pub caps: ClientCaps,
}

impl Session {
    pub fn from_params(params: &InitializeParams) -> Session {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        Session {
            encoding: Encoding::negotiate(offered),
            caps: ClientCaps::from_capabilities(&params.capabilities),
        }
    }
}
