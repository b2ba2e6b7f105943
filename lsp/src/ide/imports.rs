//! `import.*` namespaces: after `import.file "lib" { filename = ... }` or
//! `import.string "lib" { content = ... }`, a module may instantiate the
//! imported module's declares as `lib.<name> "label" { ... }`.
//!
//! The analysis database does not resolve imports (upstream's validator does
//! not either), so this reads them here, on demand, only when the module has
//! import blocks: the text of `import.file` comes from the open buffer or the
//! disk (a directory means its `*.alloy` files), `import.string` from its
//! literal. `import.http` and `import.git` cannot be fetched by an editor
//! server: their namespaces are known but offer nothing. Whatever fails to
//! resolve (a missing file, a non-literal value, a parse error) yields no
//! declares, never an error.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use alloy_analysis::Cancellable;
use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::{SyntaxKind, TextRange};
use tower_lsp_server::ls_types::{Location, Uri};

use super::module::{decl_arg, name_range, DeclArg, ModuleIndex};
use crate::convert::LineIndex;
use crate::world::{DocCtx, World};

/// A declare of an imported module.
#[derive(Clone, Debug)]
pub struct ImportedDeclare {
    /// `lib.name`: how the importing module writes it.
    pub qualified: String,
    pub name: String,
    pub arguments: Vec<DeclArg>,
    pub exports: Vec<String>,
    /// Its `declare "name"` header, when it has a place a client can open.
    pub location: Option<Location>,
}

/// The import namespaces visible in a document and what they provide.
#[derive(Clone, Debug, Default)]
pub struct Imports {
    pub namespaces: Vec<String>,
    pub declares: Vec<ImportedDeclare>,
}

impl Imports {
    /// The imported declare written `qualified` (`lib.name`).
    pub fn declare(&self, qualified: &str) -> Option<&ImportedDeclare> {
        self.declares.iter().find(|d| d.qualified == qualified)
    }

    pub fn is_empty(&self) -> bool {
        self.namespaces.is_empty()
    }
}

/// Where an imported module's text came from.
enum Source {
    /// A file: its URI and text.
    File(Option<Uri>, Arc<LineIndex>),
    /// An `import.string` literal: declares point at the import block.
    Literal(String),
}

/// The imports of the document's module that are visible at the top level
/// (upstream allows import blocks at the top level and in declares; those
/// of the root are what instances elsewhere can use).
pub fn imports_of(world: &World, doc: &DocCtx, index: &ModuleIndex) -> Cancellable<Imports> {
    let mut out = Imports::default();
    for (n, item) in index.items.iter().enumerate() {
        if item.parent.is_some() || !item.name.starts_with("import.") {
            continue;
        }
        let Some(namespace) = item.label.clone() else {
            continue;
        };
        out.namespaces.push(namespace.clone());
        let Some(block) = block_of(world, index, n)? else {
            continue;
        };
        let sources = match item.name.as_str() {
            "import.file" => match string_attr(&block, "filename") {
                Some(filename) => file_sources(world, &doc.path, &filename),
                None => Vec::new(),
            },
            "import.string" => string_attr(&block, "content")
                .map(|content| vec![Source::Literal(content)])
                .unwrap_or_default(),
            // `import.http`, `import.git`: remote, not fetched.
            _ => Vec::new(),
        };
        let fallback = match item.label_range {
            Some(range) => world.location(item.file, range)?,
            None => None,
        };
        for source in sources {
            let (text, uri, index) = match &source {
                Source::File(uri, index) => (index.text(), uri.as_ref(), Some(index)),
                Source::Literal(text) => (text.as_str(), None, None),
            };
            for (decl, header) in declares_in(text) {
                let location = match (uri, index) {
                    (Some(uri), Some(index)) => {
                        Some(Location::new(uri.clone(), world.lsp_range(index, header)))
                    }
                    _ => fallback.clone(),
                };
                out.declares.push(ImportedDeclare {
                    qualified: format!("{namespace}.{}", decl.0),
                    name: decl.0,
                    arguments: decl.1,
                    exports: decl.2,
                    location,
                });
            }
        }
    }
    Ok(out)
}

/// The syntax of an item's block.
pub fn block_of(
    world: &World,
    index: &ModuleIndex,
    item: usize,
) -> Cancellable<Option<ast::Block>> {
    let fact = &index.items[item];
    let root = world.tree(fact.file)?;
    if fact.range.end() > root.text_range().end() {
        return Ok(None);
    }
    let node = match root.covering_element(fact.range) {
        rowan::NodeOrToken::Node(node) => Some(node),
        rowan::NodeOrToken::Token(token) => token.parent(),
    };
    Ok(node
        .into_iter()
        .flat_map(|n| n.ancestors())
        .filter_map(ast::Block::cast)
        .find(|b| b.syntax().text_range() == fact.range))
}

/// The value of `name = "literal"` in a block, unescaped.
pub fn string_attr(block: &ast::Block, name: &str) -> Option<String> {
    block.statements().find_map(|stmt| match stmt {
        ast::Stmt::Attribute(attr) if attr.name().is_some_and(|n| n.text() == name) => {
            match attr.value()? {
                ast::Expr::Literal(lit) if lit.kind() == SyntaxKind::STRING => {
                    string_value(&lit.syntax().text().to_string())
                }
                _ => None,
            }
        }
        _ => None,
    })
}

/// The value of a string literal (`"..."` with Go escapes, or a raw
/// `` `...` ``); `None` for an escape it cannot decode.
pub fn string_value(literal: &str) -> Option<String> {
    if let Some(raw) = literal.strip_prefix('`') {
        return Some(raw.strip_suffix('`').unwrap_or(raw).to_owned());
    }
    let body = literal.strip_prefix('"')?;
    let body = body.strip_suffix('"').unwrap_or(body);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.next()? {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'a' => '\u{7}',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'v' => '\u{b}',
            '\\' => '\\',
            '"' => '"',
            '\'' => '\'',
            kind @ ('x' | 'u' | 'U') => {
                let digits = match kind {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = chars.by_ref().take(digits).collect();
                char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
            }
            d @ '0'..='7' => {
                let rest: String = chars.by_ref().take(2).collect();
                let octal = format!("{d}{rest}");
                char::from_u32(u32::from_str_radix(&octal, 8).ok()?)?
            }
            _ => return None,
        };
        out.push(decoded);
    }
    Some(out)
}

/// The files an `import.file` names: relative paths are taken from the
/// importing document's directory; a directory stands for its `*.alloy`
/// files.
fn file_sources(world: &World, importer: &str, filename: &str) -> Vec<Source> {
    let path = Path::new(filename);
    let path: PathBuf = if path.is_absolute() {
        path.to_path_buf()
    } else {
        match Path::new(importer).parent() {
            Some(dir) if Path::new(importer).is_absolute() => dir.join(path),
            _ => return Vec::new(),
        }
    };
    let files = if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "alloy") && p.is_file())
            .collect();
        files.sort();
        files
    } else {
        vec![path]
    };
    files
        .into_iter()
        .filter_map(|file| {
            let key = file.to_string_lossy().into_owned();
            let index = match world.open_text(&key) {
                Some(index) => index,
                None => {
                    let bytes = std::fs::read(&file).ok()?;
                    let text = String::from_utf8(bytes).ok()?;
                    Arc::new(LineIndex::new(Arc::from(text)))
                }
            };
            Some(Source::File(Uri::from_file_path(&file), index))
        })
        .collect()
}

/// A declare's name, arguments and exports.
type DeclSignature = (String, Vec<DeclArg>, Vec<String>);

/// The top-level declares of a module's text, with their header ranges.
fn declares_in(text: &str) -> Vec<(DeclSignature, TextRange)> {
    let parse = alloy_syntax::parse(text);
    let mut out = Vec::new();
    for stmt in parse.tree().statements() {
        let ast::Stmt::Block(block) = stmt else {
            continue;
        };
        if block.name() != "declare" {
            continue;
        }
        let Some(name) = block.label() else {
            continue;
        };
        let mut arguments = Vec::new();
        let mut exports = Vec::new();
        for inner in block.statements() {
            let ast::Stmt::Block(child) = inner else {
                continue;
            };
            match child.name().as_str() {
                "argument" => arguments.extend(decl_arg(&child)),
                "export" => exports.extend(child.label()),
                _ => {}
            }
        }
        let start = name_range(&block).start();
        let end = block
            .label_token()
            .map_or(name_range(&block).end(), |t| t.text_range().end());
        out.push(((name, arguments, exports), TextRange::new(start, end)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_decode_like_go() {
        assert_eq!(string_value(r#""a\n\"b\"""#).as_deref(), Some("a\n\"b\""));
        assert_eq!(string_value(r#""\x41\u00e9\101""#).as_deref(), Some("AéA"));
        assert_eq!(string_value("`raw\\n`").as_deref(), Some("raw\\n"));
        assert_eq!(string_value(r#""\q""#), None);
    }

    #[test]
    fn declares_of_a_text_with_their_signatures() {
        let found = declares_in(
            "declare \"one\" {\n\targument \"a\" {}\n\targument \"b\" { optional = true }\n\texport \"out\" { value = 1 }\n}\nlogging {}\n",
        );
        assert_eq!(found.len(), 1);
        let ((name, args, exports), range) = &found[0];
        assert_eq!(name, "one");
        assert_eq!(args.len(), 2);
        assert!(!args[0].optional && args[1].optional);
        assert_eq!(exports, &vec!["out".to_owned()]);
        assert_eq!(u32::from(range.start()), 0);
        assert_eq!(u32::from(range.end()), "declare \"one\"".len() as u32);
    }
}
