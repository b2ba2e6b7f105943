//! Schema records: components, their arguments, blocks and exports, and the
//! top-level config blocks.
//!
//! Everything here is plain data in `'static` tables so that lookups cost a
//! binary search and nothing is built at start-up. Fields are public because
//! checkers and the LSP read them directly; helper methods cover the queries
//! that are easy to get subtly wrong (cycles, secrets, prose defaults).

use std::fmt;
use std::str::FromStr;

use super::signals::Signals;
use super::types::Type;

/// Feature-gate level of a component, config block or stdlib function.
///
/// Ordered from least to most stable so that Alloy's `--stability.level`
/// rule ("allowed when at least as stable as the configured minimum") is a
/// plain `>=` comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stability {
    Experimental,
    PublicPreview,
    GenerallyAvailable,
}

impl Stability {
    /// All levels, least stable first.
    pub const ALL: [Stability; 3] = [
        Stability::Experimental,
        Stability::PublicPreview,
        Stability::GenerallyAvailable,
    ];

    /// The spelling Alloy uses for `--stability.level` and in its docs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Stability::Experimental => "experimental",
            Stability::PublicPreview => "public-preview",
            Stability::GenerallyAvailable => "generally-available",
        }
    }
}

impl fmt::Display for Stability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returned when a string is not one of the three `Stability` spellings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseStabilityError(pub String);

impl fmt::Display for ParseStabilityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown stability level {:?}; expected experimental, public-preview or \
             generally-available",
            self.0
        )
    }
}

impl std::error::Error for ParseStabilityError {}

impl FromStr for Stability {
    type Err = ParseStabilityError;

    /// Accepts exactly the spellings of [`Stability::as_str`], so a CLI flag
    /// and the catalogue can never disagree on a name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stability::ALL
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or_else(|| ParseStabilityError(s.to_owned()))
    }
}

/// An attribute (`name = value`) accepted in a component, block or config
/// block body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Argument {
    pub name: &'static str,
    /// The catalogue's `type_canonical` spelling, e.g. `list(map(string))`.
    /// Kept as text so it can be shown to users verbatim; see
    /// [`Argument::parsed_type`] for the structured form.
    pub ty: &'static str,
    /// The docs' Default cell, as written. Usually an Alloy literal
    /// (`"5s"`, `true`, `[]`); when `default_is_literal` is false it is prose
    /// such as `_See below_` and must not be parsed.
    pub default: Option<&'static str>,
    pub default_is_literal: bool,
    /// From the Go tag (no `,optional`), which is what Alloy enforces; the
    /// docs' "yes*" (conditionally required) is not reflected here.
    pub required: bool,
    /// False when the attribute exists in Go but not in the docs: still
    /// valid input, but hover text has nothing to quote.
    pub documented: bool,
}

impl Argument {
    /// The parsed type, cached per distinct type string so repeated checks
    /// allocate nothing.
    pub fn parsed_type(&self) -> &'static Type {
        super::cached_type(self.ty)
    }

    /// The default only when it is an Alloy expression, so callers never
    /// try to evaluate prose.
    pub fn literal_default(&self) -> Option<&'static str> {
        self.default.filter(|_| self.default_is_literal)
    }

    /// True for `secret` and `optional_secret` arguments, whose values must
    /// not be echoed in diagnostics or hover text.
    pub fn is_secret(&self) -> bool {
        self.parsed_type().is_secret()
    }
}

/// A field of a component's exports, referenced as
/// `<component>.<label>.<name>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Export {
    pub name: &'static str,
    /// `type_canonical` spelling, as for [`Argument::ty`].
    pub ty: &'static str,
}

impl Export {
    /// See [`Argument::parsed_type`].
    pub fn parsed_type(&self) -> &'static Type {
        super::cached_type(self.ty)
    }
}

/// A nested block accepted inside a component, block or config block.
///
/// Blocks form a graph, not a tree: shared Go structs share one static, and
/// `loki.process` > `stage.match` points back at the `stage.*` list of the
/// component itself (as in upstream, where `stage.match` nests any stage).
/// Recursive walks must therefore be driven by the user's document, or use
/// [`Body::walk`], which stops at cycles.
#[derive(Clone, Copy)]
pub struct BlockSchema {
    /// The name as written in configuration, e.g. `tls` or `stage.json`.
    pub name: &'static str,
    /// A required block must appear at least once.
    pub required: bool,
    /// Whether the block may appear more than once.
    pub repeatable: bool,
    /// Whether the block takes a label, as in `static "name" { ... }`.
    pub labeled: bool,
    /// For members of an `alloy:",enum"` group (`stage.json` is a member of
    /// `stage`): members are repeatable, optional and may appear in any
    /// order, interleaved with each other.
    pub enum_group: Option<&'static str>,
    /// False when the block exists in Go but not in the docs.
    pub documented: bool,
    /// True when the body holds module statements (components, config
    /// blocks) rather than a fixed schema, as in `foreach` > `template`.
    pub module_body: bool,
    pub arguments: &'static [Argument],
    pub blocks: &'static [BlockSchema],
}

impl BlockSchema {
    /// The block's body, for code that treats components, blocks and config
    /// blocks alike.
    pub fn body(&self) -> Body {
        Body {
            arguments: self.arguments,
            blocks: self.blocks,
        }
    }

    pub fn argument(&self, name: &str) -> Option<&'static Argument> {
        self.body().argument(name)
    }

    pub fn block(&self, name: &str) -> Option<&'static BlockSchema> {
        self.body().block(name)
    }
}

/// Prints child blocks by name only: a derived `Debug` would recurse
/// forever through the `loki.process` cycle.
impl fmt::Debug for BlockSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let children: Vec<&str> = self.blocks.iter().map(|b| b.name).collect();
        f.debug_struct("BlockSchema")
            .field("name", &self.name)
            .field("required", &self.required)
            .field("repeatable", &self.repeatable)
            .field("labeled", &self.labeled)
            .field("enum_group", &self.enum_group)
            .field("documented", &self.documented)
            .field("module_body", &self.module_body)
            .field("arguments", &self.arguments)
            .field("blocks", &children)
            .finish()
    }
}

/// The attributes and blocks accepted in one body: the common shape of
/// components, nested blocks and config blocks.
#[derive(Clone, Copy, Debug)]
pub struct Body {
    pub arguments: &'static [Argument],
    pub blocks: &'static [BlockSchema],
}

impl Body {
    /// Linear: lists are short and kept in upstream order, which is the
    /// order completions should offer.
    pub fn argument(&self, name: &str) -> Option<&'static Argument> {
        self.arguments.iter().find(|a| a.name == name)
    }

    pub fn block(&self, name: &str) -> Option<&'static BlockSchema> {
        self.blocks.iter().find(|b| b.name == name)
    }

    pub fn required_arguments(&self) -> impl Iterator<Item = &'static Argument> {
        self.arguments.iter().filter(|a| a.required)
    }

    pub fn required_blocks(&self) -> impl Iterator<Item = &'static BlockSchema> {
        self.blocks.iter().filter(|b| b.required)
    }

    /// Names for `did_you_mean` and completion.
    pub fn argument_names(&self) -> impl Iterator<Item = &'static str> {
        self.arguments.iter().map(|a| a.name)
    }

    /// Names for `did_you_mean` and completion.
    pub fn block_names(&self) -> impl Iterator<Item = &'static str> {
        self.blocks.iter().map(|b| b.name)
    }

    /// Calls `f(path, block)` for every block reachable from this body,
    /// depth first in upstream order. A block list already being visited
    /// higher up the path is skipped, so the recursive `stage.match` set is
    /// entered once and the walk always ends; shared lists reached by
    /// different paths are visited once per path.
    pub fn walk(&self, f: &mut dyn FnMut(&[&'static str], &'static BlockSchema)) {
        fn go(
            blocks: &'static [BlockSchema],
            path: &mut Vec<&'static str>,
            stack: &mut Vec<*const BlockSchema>,
            f: &mut dyn FnMut(&[&'static str], &'static BlockSchema),
        ) {
            if stack.contains(&blocks.as_ptr()) {
                return;
            }
            stack.push(blocks.as_ptr());
            for block in blocks {
                path.push(block.name);
                f(path, block);
                go(block.blocks, path, stack, f);
                path.pop();
            }
            stack.pop();
        }
        if !self.blocks.is_empty() {
            go(self.blocks, &mut Vec::new(), &mut Vec::new(), f);
        }
    }
}

/// An upstream component such as `prometheus.scrape`.
#[derive(Clone, Copy, Debug)]
pub struct Component {
    /// Full dotted name, e.g. `otelcol.receiver.otlp`.
    pub name: &'static str,
    /// `None` only for community components: Alloy gates those behind
    /// `--feature.community-components.enabled` instead of a stability
    /// level, so they have none.
    pub stability: Option<Stability>,
    pub community: bool,
    pub doc_url: &'static str,
    pub arguments: &'static [Argument],
    pub blocks: &'static [BlockSchema],
    pub exports: &'static [Export],
    /// Which telemetry flows in and out, for wiring checks.
    pub signals: Signals,
    /// The Go arguments type has its own `UnmarshalAlloy`, which may accept
    /// or reject more than the tags say; checkers should be lenient.
    pub custom_unmarshal: bool,
    /// Go build constraints of the registration variants. Non-empty means
    /// the component is a do-nothing stub on some platforms (for example
    /// `loki.source.windowsevent` outside Windows).
    pub build_constraints: &'static [&'static str],
}

impl Component {
    /// First name segment (`prometheus`, `otelcol`, ...).
    pub fn namespace(&self) -> &'static str {
        self.name.split('.').next().unwrap_or(self.name)
    }

    pub fn body(&self) -> Body {
        Body {
            arguments: self.arguments,
            blocks: self.blocks,
        }
    }

    pub fn argument(&self, name: &str) -> Option<&'static Argument> {
        self.body().argument(name)
    }

    pub fn block(&self, name: &str) -> Option<&'static BlockSchema> {
        self.body().block(name)
    }

    pub fn export(&self, name: &str) -> Option<&'static Export> {
        self.exports.iter().find(|e| e.name == name)
    }

    /// Whether Alloy loads this component at the given `--stability.level`
    /// (community components need their own flag and report false).
    pub fn allowed_at(&self, minimum: Stability) -> bool {
        self.stability.is_some_and(|s| s >= minimum)
    }
}

/// A top-level config block: `logging`, `tracing`, `argument`, `export`,
/// `import.*`, `foreach`, `declare` and the service blocks (`http`,
/// `remotecfg`, `livedebugging`, `labelstore`).
#[derive(Clone, Copy, Debug)]
pub struct ConfigBlock {
    pub name: &'static str,
    pub stability: Stability,
    /// `None` for blocks upstream does not document (`labelstore`).
    pub doc_url: Option<&'static str>,
    /// Whether the block takes a label (`argument "name" { ... }`).
    pub labeled: bool,
    pub arguments: &'static [Argument],
    pub blocks: &'static [BlockSchema],
    /// True for `declare`, whose body is a module rather than a schema.
    pub module_body: bool,
    pub documented: bool,
    /// The catalogue authors' explanation for hand-written entries.
    pub note: Option<&'static str>,
}

impl ConfigBlock {
    pub fn body(&self) -> Body {
        Body {
            arguments: self.arguments,
            blocks: self.blocks,
        }
    }

    pub fn argument(&self, name: &str) -> Option<&'static Argument> {
        self.body().argument(name)
    }

    pub fn block(&self, name: &str) -> Option<&'static BlockSchema> {
        self.body().block(name)
    }
}
