//! Documentation of completion items, computed when the client shows an
//! item (`completionItem/resolve`) instead of for every item of every list.
//!
//! A list of component names carries hundreds of items; rendering and
//! sending the Markdown of each made the answer several times larger than
//! the items themselves. Catalogue entries are identified by a small key in
//! the item's `data`, so resolving needs no snapshot and cannot go stale.
//! Documentation that depends on the module (custom components) stays
//! inline: it is short, and the module may change before the resolve.

use alloy_analysis::catalogue::{self, Body};
use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::{CompletionItem, Documentation, MarkupContent, MarkupKind};

use crate::ide::docs;
use crate::session::Session;

/// A catalogue entry whose documentation an item shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "doc", rename_all = "camelCase")]
pub enum DocKey {
    Component {
        name: String,
    },
    ConfigBlock {
        name: String,
    },
    Function {
        name: String,
    },
    /// An argument of `owner` (a component or config block) or of the
    /// nested block reached through `path`.
    Argument {
        owner: String,
        path: Vec<String>,
        name: String,
    },
    Block {
        owner: String,
        path: Vec<String>,
        name: String,
    },
}

/// The body of `owner` or of its nested block at `path`, with the docs URL.
fn body_at(owner: &str, path: &[String]) -> Option<(Body, Option<&'static str>)> {
    let (mut body, doc_url) = match catalogue::component(owner) {
        Some(c) => (c.body(), Some(c.doc_url)),
        None => {
            let b = catalogue::config_block(owner)?;
            (b.body(), b.doc_url)
        }
    };
    for p in path {
        body = body.block(p)?.body();
    }
    Some((body, doc_url))
}

fn owner_stability(owner: &str) -> Option<String> {
    catalogue::component(owner)
        .map(docs::component_stability)
        .or_else(|| catalogue::config_block(owner).map(|b| b.stability.to_string()))
}

/// The Markdown documentation of a key; `None` for a key that names
/// nothing (an item from another server version).
pub fn render(key: &DocKey) -> Option<String> {
    match key {
        DocKey::Component { name } => catalogue::component(name).map(docs::component),
        DocKey::ConfigBlock { name } => catalogue::config_block(name).map(docs::config_block),
        DocKey::Function { name } => catalogue::stdlib_function(name).map(docs::function),
        DocKey::Argument { owner, path, name } => {
            let (body, doc_url) = body_at(owner, path)?;
            let arg = body.argument(name)?;
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            Some(docs::argument(
                arg,
                owner,
                &path,
                owner_stability(owner),
                doc_url,
            ))
        }
        DocKey::Block { owner, path, name } => {
            let (body, doc_url) = body_at(owner, path)?;
            let spec = body.block(name)?;
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            Some(docs::block(spec, owner, &path, doc_url))
        }
    }
}

pub fn markup(session: &Session, value: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: if session.caps.markdown {
            MarkupKind::Markdown
        } else {
            MarkupKind::PlainText
        },
        value,
    })
}

/// `completionItem/resolve`: fills in the documentation named by the
/// item's `data`; any other item comes back unchanged.
pub fn resolve(session: &Session, mut item: CompletionItem) -> CompletionItem {
    if item.documentation.is_some() {
        return item;
    }
    let key = item
        .data
        .as_ref()
        .and_then(|data| DocKey::deserialize(data).ok());
    if let Some(value) = key.as_ref().and_then(render) {
        item.documentation = Some(markup(session, value));
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_render() {
        let key = DocKey::Argument {
            owner: "prometheus.remote_write".into(),
            path: vec!["endpoint".into()],
            name: "url".into(),
        };
        let json = serde_json::to_value(&key).expect("json");
        assert_eq!(json["doc"], "argument");
        assert_eq!(DocKey::deserialize(&json).expect("key"), key);
        let text = render(&key).expect("doc");
        assert!(
            text.contains("prometheus.remote_write > endpoint"),
            "{text}"
        );
        let missing = DocKey::Component {
            name: "no.such".into(),
        };
        assert_eq!(render(&missing), None);
    }
}
