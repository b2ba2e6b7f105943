//! Errors found before anything runs (parse, path and argument checks),
//! with the byte range inside the statement text they concern.

use std::fmt;

use crate::ast::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    /// A did-you-mean or other hint, shown on its own line.
    pub help: Option<String>,
    /// Valid OTTL that this implementation cannot run yet (a function of
    /// upstream's not ported). A checker keeps quiet about it, since the
    /// config is valid; compiling for a run refuses it by name.
    pub unsupported: bool,
}

impl Diagnostic {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            span,
            message: message.into(),
            help: None,
            unsupported: false,
        }
    }

    /// See [`Diagnostic::unsupported`].
    pub fn unsupported(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            unsupported: true,
            ..Diagnostic::new(span, message)
        }
    }

    pub fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.span.start)?;
        if let Some(h) = &self.help {
            write!(f, "; {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// The closest of `candidates` to `name`, if close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&name.to_ascii_lowercase(), &c.to_ascii_lowercase());
        if score > 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}
