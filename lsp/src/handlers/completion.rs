//! Completion, from where the cursor is ([`crate::ide::cursor`]):
//!
//! - at the start of a statement of a module body (the top level, a
//!   `declare`, a `foreach` template): component names (a snippet with the
//!   label and the required arguments and blocks), config blocks, custom
//!   components in scope;
//! - at the start of a statement of a component or block body: its
//!   arguments (required first) and blocks not yet written; in a custom
//!   component instance, the declare's arguments;
//! - in an attribute's value: enum values, booleans, references to exports
//!   whose type fits the expected type (a `forward_to` offers receivers of
//!   the right kind, `output { traces = [...] }` the consumers that accept
//!   traces), `argument.<name>.value` inside a `declare`, and standard
//!   library functions whose result fits.

use alloy_analysis::catalogue::{self, enum_rule, Argument, BlockSchema, Stability, Type};
use alloy_analysis::Cancellable;
use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::{SyntaxNode, TextSize};
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionItemTag, CompletionList, CompletionResponse,
    CompletionTextEdit, InsertTextFormat, Position, Range, TextEdit,
};

use super::completion_docs::{markup, render, DocKey};
use super::snippets::{body_snippet, escape, instance_snippet, value_snippet};
use crate::ide::cursor::{cursor_at, CursorKind, Nest};
use crate::ide::docs;
use crate::ide::foreach::vars_at as foreach_vars_at;
use crate::ide::imports::{imports_of, Imports};
use crate::ide::keys::known_keys;
use crate::ide::module::{module_index, ModuleIndex};
use crate::ide::refs::{candidates, output_signal};
use crate::ide::schema::{fits, narrow, BodySchema};
use crate::state::Settings;
use crate::world::{DocCtx, World};

/// Builds items that replace the word before the cursor.
struct Items<'a> {
    world: &'a World,
    replace: Range,
    out: Vec<CompletionItem>,
}

/// An item's documentation: now, or from a catalogue key when the client
/// shows the item (`completionItem/resolve`).
enum Doc {
    None,
    Text(String),
    Lazy(DocKey),
}

/// What to insert: a snippet, and the text used when the client takes no
/// snippets.
struct Insert {
    snippet: String,
    plain: String,
}

impl Insert {
    fn text(text: impl Into<String>) -> Insert {
        let text = text.into();
        Insert {
            snippet: escape(&text),
            plain: text,
        }
    }
}

impl Items<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        label: &str,
        kind: CompletionItemKind,
        detail: Option<String>,
        documentation: Doc,
        insert: Insert,
        sort: String,
        deprecated: bool,
    ) {
        let snippets = self.world.session.caps.snippets;
        let (new_text, format) = if snippets {
            (insert.snippet, InsertTextFormat::SNIPPET)
        } else {
            (insert.plain, InsertTextFormat::PLAIN_TEXT)
        };
        let session = &self.world.session;
        let (documentation, data) = match documentation {
            Doc::None => (None, None),
            Doc::Text(value) => (Some(markup(session, value)), None),
            Doc::Lazy(key) if session.caps.resolve_documentation => {
                (None, serde_json::to_value(&key).ok())
            }
            Doc::Lazy(key) => (render(&key).map(|value| markup(session, value)), None),
        };
        self.out.push(CompletionItem {
            label: label.to_owned(),
            kind: Some(kind),
            detail,
            documentation,
            data,
            sort_text: Some(sort),
            filter_text: Some(label.to_owned()),
            insert_text_format: Some(format),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: self.replace,
                new_text,
            })),
            tags: deprecated.then(|| vec![CompletionItemTag::DEPRECATED]),
            ..Default::default()
        });
    }
}

/// Paths, functions, enums and keywords inside an OTTL statement string.
fn ottl_completion(
    world: &World,
    doc: &DocCtx,
    s: &crate::ide::ottl::OttlString,
    offset: alloy_syntax::TextSize,
) -> CompletionResponse {
    let at = s.decoded(offset);
    let (start, end, items) = crate::ide::ottl::completions(s, at);
    let range = world.lsp_range(&doc.index, s.range(start, end));
    let items = items
        .into_iter()
        .map(|(label, detail, documentation)| CompletionItem {
            kind: Some(match detail.as_str() {
                "path" => CompletionItemKind::FIELD,
                "enum" => CompletionItemKind::ENUM_MEMBER,
                "keyword" => CompletionItemKind::KEYWORD,
                _ => CompletionItemKind::FUNCTION,
            }),
            detail: Some(detail),
            documentation: (!documentation.is_empty())
                .then(|| markup(&world.session, documentation)),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: label.clone(),
            })),
            filter_text: Some(label.clone()),
            label,
            ..Default::default()
        })
        .collect();
    CompletionResponse::Array(items)
}

pub fn completion(
    world: &World,
    doc: &DocCtx,
    position: Position,
) -> Cancellable<Option<CompletionResponse>> {
    let offset = doc.index.offset(position, world.encoding());
    let root = world.tree(doc.file)?;
    if let Some(s) =
        crate::ide::syntax::token_at(&root, offset).and_then(|t| crate::ide::ottl::ottl_string(&t))
    {
        return Ok(Some(ottl_completion(world, doc, &s, offset)));
    }
    let cursor = cursor_at(&root, doc.text(), offset);
    let index = module_index(world, &doc.files)?;
    let imports = imports_of(world, doc, &index)?;
    let is_declare = |name: &str| {
        index.declare_for(doc.file, offset, name).is_some() || imports.declare(name).is_some()
    };
    let schema = BodySchema::of(&cursor.blocks, &is_declare);
    let mut items = Items {
        world,
        replace: world.lsp_range(&doc.index, cursor.prefix_range),
        out: Vec::new(),
    };
    let cx = Cx {
        world,
        doc,
        index: &index,
        imports: &imports,
        offset,
        prefix: &cursor.prefix,
    };
    match &cursor.kind {
        CursorKind::Statement => match &schema {
            BodySchema::Module { in_declare } => cx.module_items(&mut items, *in_declare),
            BodySchema::Catalogue {
                body, owner, path, ..
            } => {
                let (attrs, blocks) =
                    present(&root, offset, cursor.blocks.last().map(|h| h.name.as_str()));
                cx.body_items(
                    &mut items,
                    body.arguments,
                    body.blocks,
                    &attrs,
                    &blocks,
                    owner,
                    path,
                );
            }
            BodySchema::Custom { declare } => {
                let (attrs, _) =
                    present(&root, offset, cursor.blocks.last().map(|h| h.name.as_str()));
                cx.custom_items(&mut items, declare, &attrs);
            }
            BodySchema::Unknown => {}
        },
        CursorKind::Value {
            attr,
            nesting,
            in_string,
        } => {
            let block = cursor.blocks.last().map(|h| h.name.as_str());
            let vars: Vec<String> = foreach_vars_at(world, &index, doc.file, offset)?
                .into_iter()
                .map(|v| v.name)
                .collect();
            cx.value_items(&mut items, &schema, block, attr, nesting, *in_string, &vars);
        }
        CursorKind::ObjectKey {
            attr,
            nesting,
            present,
            in_string,
        } => cx.key_items(&mut items, &schema, attr, nesting, present, *in_string),
        CursorKind::Header | CursorKind::Comment => return Ok(None),
    }
    Ok(Some(CompletionResponse::List(CompletionList {
        is_incomplete: false,
        items: items.out,
    })))
}

/// The attribute and block names already written in the innermost block
/// named `name` around `offset`.
fn present(root: &SyntaxNode, offset: TextSize, name: Option<&str>) -> (Vec<String>, Vec<String>) {
    let Some(name) = name else {
        return (Vec::new(), Vec::new());
    };
    let token = root
        .token_at_offset(offset.min(root.text_range().end()))
        .left_biased();
    let block = token
        .and_then(|t| t.parent())
        .into_iter()
        .flat_map(|n| n.ancestors())
        .filter_map(ast::Block::cast)
        .find(|b| b.name() == name);
    let Some(block) = block else {
        return (Vec::new(), Vec::new());
    };
    let mut attrs = Vec::new();
    let mut blocks = Vec::new();
    for stmt in block.statements() {
        match stmt {
            ast::Stmt::Attribute(a) => {
                if let Some(n) = a.name() {
                    // The attribute being typed is not "present".
                    if !n.text_range().contains_inclusive(offset) {
                        attrs.push(n.text().to_owned());
                    }
                }
            }
            ast::Stmt::Block(b) => blocks.push(b.name()),
        }
    }
    (attrs, blocks)
}

fn allowed(settings: &Settings, stability: Option<Stability>, community: bool) -> bool {
    if community {
        return settings.community;
    }
    stability.is_some_and(|s| s >= settings.stability)
}

struct Cx<'a> {
    world: &'a World,
    doc: &'a DocCtx,
    index: &'a ModuleIndex,
    imports: &'a Imports,
    offset: TextSize,
    prefix: &'a str,
}

impl Cx<'_> {
    /// The part of the prefix up to its last dot: candidates that do not
    /// start with it cannot match, so they are not sent.
    fn namespace_prefix(&self) -> &str {
        match self.prefix.rfind('.') {
            Some(i) => &self.prefix[..=i],
            None => "",
        }
    }

    fn module_items(&self, items: &mut Items<'_>, in_declare: bool) {
        let settings = &self.world.settings;
        let ns = self.namespace_prefix();
        let components = if ns.is_empty() {
            catalogue::components()
        } else {
            catalogue::components_with_prefix(ns)
        };
        for c in components {
            if !allowed(settings, c.stability, c.community) {
                continue;
            }
            let mut stop = 2;
            let (body_s, body_p) = body_snippet(c.arguments, c.blocks, 1, &mut stop);
            let snippet = format!("{} \"${{1:default}}\" {{\n{body_s}}}$0", c.name);
            let plain = format!("{} \"default\" {{\n{body_p}}}", c.name);
            items.push(
                c.name,
                CompletionItemKind::CLASS,
                Some(format!("component ({})", docs::component_stability(c))),
                Doc::Lazy(DocKey::Component {
                    name: c.name.to_owned(),
                }),
                Insert { snippet, plain },
                format!("1_{}", c.name),
                false,
            );
        }
        for b in catalogue::config_blocks() {
            if !b.name.starts_with(ns) || b.stability < settings.stability {
                continue;
            }
            let module_only = matches!(b.name, "argument" | "export");
            if module_only != in_declare && module_only {
                continue;
            }
            let mut stop = 2;
            let (body_s, body_p) = body_snippet(b.arguments, b.blocks, 1, &mut stop);
            let (snippet, plain) = if b.labeled {
                (
                    format!("{} \"${{1}}\" {{\n{body_s}\t$0\n}}", b.name),
                    format!("{} \"\" {{\n{body_p}}}", b.name),
                )
            } else {
                (
                    format!("{} {{\n{body_s}\t$0\n}}", b.name),
                    format!("{} {{\n{body_p}}}", b.name),
                )
            };
            items.push(
                b.name,
                CompletionItemKind::KEYWORD,
                Some("configuration block".into()),
                Doc::Lazy(DocKey::ConfigBlock {
                    name: b.name.to_owned(),
                }),
                Insert { snippet, plain },
                format!("2_{}", b.name),
                false,
            );
        }
        for d in self.index.declares_visible(self.doc.file, self.offset) {
            let fact = &self.index.items[d];
            let Some(name) = fact.label.as_deref() else {
                continue;
            };
            let required: Vec<&str> = fact
                .arguments
                .iter()
                .filter(|a| !a.optional)
                .map(|a| a.name.as_str())
                .collect();
            let (snippet, plain) = instance_snippet(name, &required);
            items.push(
                name,
                CompletionItemKind::MODULE,
                Some("custom component".into()),
                Doc::Text(docs::declare(fact)),
                Insert { snippet, plain },
                format!("0_{name}"),
                false,
            );
        }
        for d in &self.imports.declares {
            if !d.qualified.starts_with(ns) {
                continue;
            }
            let required: Vec<&str> = d
                .arguments
                .iter()
                .filter(|a| !a.optional)
                .map(|a| a.name.as_str())
                .collect();
            let (snippet, plain) = instance_snippet(&d.qualified, &required);
            items.push(
                &d.qualified,
                CompletionItemKind::MODULE,
                Some("imported custom component".into()),
                Doc::Text(docs::imported_declare(d)),
                Insert { snippet, plain },
                format!("0_{}", d.qualified),
                false,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn body_items(
        &self,
        items: &mut Items<'_>,
        arguments: &'static [Argument],
        blocks: &'static [BlockSchema],
        present_attrs: &[String],
        present_blocks: &[String],
        owner: &str,
        path: &[&str],
    ) {
        for arg in arguments {
            if present_attrs.iter().any(|p| p == arg.name) {
                continue;
            }
            let (value_s, value_p) = value_snippet(arg.parsed_type(), 0);
            let detail = if arg.required {
                format!("{} (required)", arg.ty)
            } else {
                arg.ty.to_owned()
            };
            items.push(
                arg.name,
                CompletionItemKind::FIELD,
                Some(detail),
                Doc::Lazy(DocKey::Argument {
                    owner: owner.to_owned(),
                    path: path.iter().map(|p| (*p).to_owned()).collect(),
                    name: arg.name.to_owned(),
                }),
                Insert {
                    snippet: format!("{} = {value_s}", arg.name),
                    plain: format!("{} = {value_p}", arg.name),
                },
                format!("{}_{}", if arg.required { 0 } else { 1 }, arg.name),
                false,
            );
        }
        for block in blocks {
            let repeatable = block.repeatable || block.enum_group.is_some();
            if !repeatable && present_blocks.iter().any(|p| p == block.name) {
                continue;
            }
            let mut stop = 2;
            let (body_s, body_p) = body_snippet(block.arguments, block.blocks, 1, &mut stop);
            let (snippet, plain) = if block.labeled {
                (
                    format!("{} \"${{1}}\" {{\n{body_s}\t$0\n}}", block.name),
                    format!("{} \"\" {{\n{body_p}}}", block.name),
                )
            } else {
                (
                    format!("{} {{\n{body_s}\t$0\n}}", block.name),
                    format!("{} {{\n{body_p}}}", block.name),
                )
            };
            items.push(
                block.name,
                CompletionItemKind::STRUCT,
                Some(
                    if block.required {
                        "block (required)"
                    } else {
                        "block"
                    }
                    .into(),
                ),
                Doc::Lazy(DocKey::Block {
                    owner: owner.to_owned(),
                    path: path.iter().map(|p| (*p).to_owned()).collect(),
                    name: block.name.to_owned(),
                }),
                Insert { snippet, plain },
                format!("{}_{}", if block.required { 0 } else { 2 }, block.name),
                false,
            );
        }
    }

    fn custom_items(&self, items: &mut Items<'_>, declare: &str, present_attrs: &[String]) {
        let arguments = match self.index.declare_for(self.doc.file, self.offset, declare) {
            Some(d) => &self.index.items[d].arguments,
            None => match self.imports.declare(declare) {
                Some(d) => &d.arguments,
                None => return,
            },
        };
        for arg in arguments {
            if present_attrs.contains(&arg.name) {
                continue;
            }
            items.push(
                &arg.name,
                CompletionItemKind::FIELD,
                Some(
                    if arg.optional {
                        "argument"
                    } else {
                        "argument (required)"
                    }
                    .into(),
                ),
                Doc::Text(docs::declare_argument(arg, declare)),
                Insert {
                    snippet: format!("{} = $0", arg.name),
                    plain: format!("{} = ", arg.name),
                },
                format!("{}_{}", if arg.optional { 1 } else { 0 }, arg.name),
                false,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn value_items(
        &self,
        items: &mut Items<'_>,
        schema: &BodySchema,
        block: Option<&str>,
        attr: &str,
        nesting: &[Nest],
        in_string: bool,
        foreach_vars: &[String],
    ) {
        // The expected type: from the innermost call's parameter, else
        // from the attribute.
        let call_at = nesting.iter().rposition(|n| matches!(n, Nest::Call { .. }));
        let expected: Option<Type> = match call_at {
            Some(at) => match &nesting[at] {
                Nest::Call {
                    callee: Some(callee),
                    arg,
                } => catalogue::stdlib_function(callee).and_then(|f| {
                    let param = f
                        .params
                        .get(*arg as usize)
                        .or_else(|| f.params.last().filter(|p| p.variadic))?;
                    narrow(param.parsed_type(), &nesting[at + 1..])
                }),
                _ => None,
            },
            None => match schema {
                BodySchema::Catalogue { body, .. } => body
                    .argument(attr)
                    .and_then(|a| narrow(a.parsed_type(), nesting)),
                _ => Some(Type::Any),
            },
        };
        // Enumerated values.
        if let BodySchema::Catalogue { owner, path, .. } = schema {
            if nesting.is_empty() {
                let path: Vec<String> = path.iter().map(|p| (*p).to_owned()).collect();
                if let Some(rule) = enum_rule(owner, &path, attr) {
                    for value in rule.values {
                        let text = if in_string {
                            (*value).to_owned()
                        } else {
                            format!("\"{value}\"")
                        };
                        items.push(
                            &text,
                            CompletionItemKind::ENUM_MEMBER,
                            Some(format!("allowed value of {attr}")),
                            Doc::None,
                            Insert::text(text.clone()),
                            format!("0_{value}"),
                            false,
                        );
                    }
                }
            }
        }
        if in_string {
            return;
        }
        if matches!(expected, Some(Type::Bool) | Some(Type::Any) | None) {
            for value in ["true", "false"] {
                items.push(
                    value,
                    CompletionItemKind::KEYWORD,
                    Some("bool".into()),
                    Doc::None,
                    Insert::text(value),
                    format!("3_{value}"),
                    false,
                );
            }
        }
        // References.
        let signal = output_signal(block, attr);
        let refs = candidates(
            self.index,
            self.imports,
            self.doc.file,
            self.offset,
            expected.as_ref(),
            signal,
        );
        let ns = self.namespace_prefix();
        for var in foreach_vars {
            if !var.starts_with(ns) {
                continue;
            }
            items.push(
                var,
                CompletionItemKind::VARIABLE,
                Some("foreach variable: the current element of `collection`".into()),
                Doc::None,
                Insert::text(var.clone()),
                format!("0_{var}"),
                false,
            );
        }
        for candidate in refs {
            if !candidate.text.starts_with(ns) {
                continue;
            }
            items.push(
                &candidate.text,
                CompletionItemKind::VARIABLE,
                Some(candidate.ty.to_string()),
                Doc::None,
                Insert::text(candidate.text.clone()),
                format!("{}_{}", if candidate.exact { 1 } else { 2 }, candidate.text),
                false,
            );
        }
        // Standard library.
        let stability = self.world.settings.stability;
        for f in catalogue::stdlib_functions() {
            if !f.name.starts_with(ns) || f.stability < stability {
                continue;
            }
            if let Some(want) = &expected {
                if !fits(f.parsed_return_type(), want) {
                    continue;
                }
            }
            let mut snippet = format!("{}(", f.name);
            for (i, p) in f.params.iter().enumerate() {
                if i > 0 {
                    snippet.push_str(", ");
                }
                snippet.push_str(&format!("${{{}:{}}}", i + 1, p.name));
            }
            snippet.push_str(")$0");
            items.push(
                f.name,
                CompletionItemKind::FUNCTION,
                Some(f.signature.to_owned()),
                Doc::Lazy(DocKey::Function {
                    name: f.name.to_owned(),
                }),
                Insert {
                    snippet,
                    plain: format!("{}()", f.name),
                },
                format!("{}_{}", if f.is_deprecated() { 9 } else { 4 }, f.name),
                f.is_deprecated(),
            );
        }
        for object in catalogue::stdlib_objects() {
            for field in object.fields {
                let text = format!("{}.{}", object.name, field.name);
                if !text.starts_with(ns) {
                    continue;
                }
                if let Some(want) = &expected {
                    if Type::parse(field.ty).is_ok_and(|t| !fits(&t, want)) {
                        continue;
                    }
                }
                items.push(
                    &text,
                    CompletionItemKind::CONSTANT,
                    Some(field.ty.to_owned()),
                    Doc::None,
                    Insert::text(text.clone()),
                    format!("5_{text}"),
                    false,
                );
            }
        }
    }

    /// Keys of an object literal whose meaning the argument defines (the
    /// labels of a target), minus those already written.
    fn key_items(
        &self,
        items: &mut Items<'_>,
        schema: &BodySchema,
        attr: &str,
        nesting: &[Nest],
        present: &[String],
        in_string: bool,
    ) {
        let BodySchema::Catalogue { owner, body, .. } = schema else {
            return;
        };
        let Some(arg) = body.argument(attr) else {
            return;
        };
        let Some(ty) = narrow(arg.parsed_type(), nesting) else {
            return;
        };
        for (key, what) in known_keys(owner, attr, &ty) {
            if present.iter().any(|p| p == key) {
                continue;
            }
            let insert = if in_string {
                Insert::text(*key)
            } else {
                Insert {
                    snippet: format!("\"{key}\" = $0"),
                    plain: format!("\"{key}\" = "),
                }
            };
            items.push(
                key,
                CompletionItemKind::FIELD,
                Some((*what).to_owned()),
                Doc::None,
                insert,
                format!("0_{key}"),
                false,
            );
        }
    }
}
