//! Check codes. Each code is stable: users silence checks by code, and
//! `docs/checks.md` documents every one. Never renumber; retire codes
//! instead.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $title:literal;)*) => {
        /// Every check the analyser runs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable code, e.g. `AL0101`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// The severity the check reports with.
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// One line describing the check.
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title,)*
                }
            }

            pub fn parse(s: &str) -> Option<Code> {
                match s {
                    $($code => Some(Code::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    Syntax = "AL0001", Error, "syntax error";
    TopLevelAttribute = "AL0002", Error, "attribute at the top level of a config";
    Encoding = "AL0003", Error, "file not encoded as UTF-8";
    UnknownComponent = "AL0101", Error, "unknown component";
    MissingLabel = "AL0102", Error, "block that must have a label has none";
    DuplicateBlock = "AL0103", Error, "block declared twice";
    NotAllowedHere = "AL0104", Error, "config or service block in a module or foreach";
    ModuleOnly = "AL0105", Error, "argument or export block outside a module";
    NotConfigurable = "AL0106", Error, "service that cannot be configured";
    UnsupportedStatement = "AL0107", Error, "attribute where only blocks are allowed";
    BelowStability = "AL0108", Error, "feature below the allowed stability level";
    CommunityDisabled = "AL0109", Error, "community component without the flag";
    InvalidDeclareLabel = "AL0110", Error, "declare labelled `declare`";
    UnknownAttribute = "AL0201", Error, "unknown attribute";
    UnknownBlock = "AL0202", Error, "unknown block";
    MissingAttribute = "AL0203", Error, "missing required attribute";
    MissingBlock = "AL0204", Error, "missing required block";
    RepeatedAttribute = "AL0205", Error, "attribute given twice";
    RepeatedBlock = "AL0206", Error, "block that may appear once given twice";
    AttributeBlockMixup = "AL0207", Error, "attribute used as a block or block as an attribute";
    BlockLabel = "AL0208", Error, "nested block label where none is allowed, or none where one is required";
    TypeMismatch = "AL0301", Error, "value of the wrong type";
    InvalidEnumValue = "AL0302", Error, "value outside an enumeration";
    InvalidTarget = "AL0303", Error, "value that cannot be a discovery target";
    InvalidDuration = "AL0304", Error, "value that is not a duration";
    CapsuleMismatch = "AL0305", Error, "receiver of the wrong kind";
    InvalidUrl = "AL0306", Error, "endpoint URL that does not parse";
    InvalidRegex = "AL0307", Error, "regular expression that does not compile";
    InvalidOttl = "AL0308", Error, "OTTL statement or condition that does not parse or type-check";
    UnknownReference = "AL0401", Error, "reference to something that does not exist or is out of scope";
    ShadowsStdlib = "AL0402", Warning, "component name shadowing the standard library";
    DeprecatedStdlib = "AL0403", Warning, "deprecated standard-library function";
    ExperimentalStdlib = "AL0404", Error, "experimental standard-library function below the stability level";
    UnknownStdlib = "AL0405", Error, "unknown standard-library function";
    UnknownExport = "AL0406", Error, "reference to an export the component does not have";
    StdlibArity = "AL0407", Error, "standard-library function called with the wrong number of arguments";
    Cycle = "AL0501", Error, "components that reference each other in a cycle";
    SelfReference = "AL0502", Error, "component that references itself";
    SignalMismatch = "AL0601", Error, "telemetry sent to a component that does not accept it";
    DeadPipeline = "AL0602", Warning, "component whose data goes nowhere or that receives nothing";
    LiteralSecret = "AL0603", Warning, "secret written as a literal";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
