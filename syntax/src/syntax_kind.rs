//! The one kind enum shared by tokens and nodes, in rust-analyzer's style: the
//! lexer, the parser and the typed AST all speak in these values, and rowan
//! stores them as raw `u16`s.

/// Every token and node kind of the Alloy concrete syntax tree.
///
/// Tokens come first so that `is_token` is a single comparison.
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u16)]
pub enum SyntaxKind {
    // --- trivia -------------------------------------------------------------
    /// Spaces, tabs and carriage returns.
    WHITESPACE = 0,
    /// A `\n` with the spaces and tabs that follow it. The parser sees some
    /// of these as statement terminators.
    NEWLINE,
    /// `// ...` (without the newline) or `/* ... */`.
    COMMENT,
    /// A byte order mark at the very start of the file, which upstream skips.
    BOM,

    // --- significant tokens -------------------------------------------------
    IDENT,
    NUMBER,
    FLOAT,
    /// `"..."` or a raw `` `...` `` string; the text keeps its delimiters.
    STRING,
    /// `true` or `false`.
    BOOL,
    /// `null`.
    NULL,
    /// Any character upstream cannot scan, and single-quoted strings.
    ILLEGAL,
    OR,
    AND,
    NOT,
    ASSIGN,
    EQ,
    NEQ,
    LT,
    LTE,
    GT,
    GTE,
    ADD,
    SUB,
    MUL,
    DIV,
    MOD,
    POW,
    L_CURLY,
    R_CURLY,
    L_PAREN,
    R_PAREN,
    L_BRACK,
    R_BRACK,
    COMMA,
    DOT,
    /// Parser-only: a newline (or comment, or end of file) that upstream's
    /// scanner turned into a statement terminator. Never stored in a tree.
    TERMINATOR,
    /// Parser-only: end of input. Never stored in a tree.
    EOF,

    // --- nodes ---------------------------------------------------------------
    /// A whole file (or a whole expression for `parse_expression`).
    ROOT,
    /// `name = value`.
    ATTRIBUTE,
    /// `name.parts "label" { body }`.
    BLOCK,
    /// `value.name`.
    ACCESS_EXPR,
    /// `value[index]`.
    INDEX_EXPR,
    /// `callee(args)`.
    CALL_EXPR,
    /// The parenthesised argument list of a call.
    ARG_LIST,
    /// `-x`, `!x`.
    UNARY_EXPR,
    /// `a op b`.
    BINARY_EXPR,
    /// `(inner)`.
    PAREN_EXPR,
    /// `[a, b]`.
    ARRAY_EXPR,
    /// `{ k = v }`.
    OBJECT_EXPR,
    /// `k = v` inside an object.
    OBJECT_FIELD,
    /// A lone identifier used as a value.
    IDENT_EXPR,
    /// A number, float, string, bool or null literal.
    LITERAL,
    /// Tokens the parser skipped while recovering from an error.
    ERROR,
}

use SyntaxKind::*;

impl SyntaxKind {
    /// Whitespace, newlines, comments and the leading BOM: tokens that never
    /// reach the grammar.
    pub fn is_trivia(self) -> bool {
        matches!(self, WHITESPACE | NEWLINE | COMMENT | BOM)
    }

    pub fn is_token(self) -> bool {
        (self as u16) <= (EOF as u16)
    }

    /// The spelling upstream's `token.Token.String()` gives this kind, used in
    /// messages such as `expected }, got IDENT`.
    pub fn upstream_name(self) -> &'static str {
        match self {
            IDENT => "IDENT",
            NUMBER => "NUMBER",
            FLOAT => "FLOAT",
            STRING => "STRING",
            BOOL => "BOOL",
            NULL => "NULL",
            ILLEGAL => "ILLEGAL",
            COMMENT => "COMMENT",
            OR => "||",
            AND => "&&",
            NOT => "!",
            ASSIGN => "=",
            EQ => "==",
            NEQ => "!=",
            LT => "<",
            LTE => "<=",
            GT => ">",
            GTE => ">=",
            ADD => "+",
            SUB => "-",
            MUL => "*",
            DIV => "/",
            MOD => "%",
            POW => "^",
            L_CURLY => "{",
            R_CURLY => "}",
            L_PAREN => "(",
            R_PAREN => ")",
            L_BRACK => "[",
            R_BRACK => "]",
            COMMA => ",",
            DOT => ".",
            TERMINATOR => "TERMINATOR",
            EOF => "EOF",
            _ => "ILLEGAL",
        }
    }

    /// Binding power of a binary operator (upstream's `BinaryPrecedence`);
    /// zero for everything else.
    pub fn binary_precedence(self) -> u8 {
        match self {
            OR => 1,
            AND => 2,
            EQ | NEQ | LT | LTE | GT | GTE => 3,
            ADD | SUB => 4,
            MUL | DIV | MOD => 5,
            POW => 6,
            _ => 0,
        }
    }

    fn from_raw(raw: u16) -> SyntaxKind {
        const LAST: u16 = ERROR as u16;
        if raw <= LAST {
            // Only values produced by `as u16` on this enum are ever stored in
            // rowan trees, so a table lookup is exact.
            ALL_KINDS[raw as usize]
        } else {
            ERROR
        }
    }
}

const ALL_KINDS: [SyntaxKind; ERROR as usize + 1] = [
    WHITESPACE,
    NEWLINE,
    COMMENT,
    BOM,
    IDENT,
    NUMBER,
    FLOAT,
    STRING,
    BOOL,
    NULL,
    ILLEGAL,
    OR,
    AND,
    NOT,
    ASSIGN,
    EQ,
    NEQ,
    LT,
    LTE,
    GT,
    GTE,
    ADD,
    SUB,
    MUL,
    DIV,
    MOD,
    POW,
    L_CURLY,
    R_CURLY,
    L_PAREN,
    R_PAREN,
    L_BRACK,
    R_BRACK,
    COMMA,
    DOT,
    TERMINATOR,
    EOF,
    ROOT,
    ATTRIBUTE,
    BLOCK,
    ACCESS_EXPR,
    INDEX_EXPR,
    CALL_EXPR,
    ARG_LIST,
    UNARY_EXPR,
    BINARY_EXPR,
    PAREN_EXPR,
    ARRAY_EXPR,
    OBJECT_EXPR,
    OBJECT_FIELD,
    IDENT_EXPR,
    LITERAL,
    ERROR,
];

impl From<SyntaxKind> for rowan::SyntaxKind {
    fn from(kind: SyntaxKind) -> Self {
        rowan::SyntaxKind(kind as u16)
    }
}

/// The rowan language tag for Alloy trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlloyLanguage {}

impl rowan::Language for AlloyLanguage {
    type Kind = SyntaxKind;

    fn kind_from_raw(raw: rowan::SyntaxKind) -> SyntaxKind {
        SyntaxKind::from_raw(raw.0)
    }

    fn kind_to_raw(kind: SyntaxKind) -> rowan::SyntaxKind {
        kind.into()
    }
}

pub type SyntaxNode = rowan::SyntaxNode<AlloyLanguage>;
pub type SyntaxToken = rowan::SyntaxToken<AlloyLanguage>;
pub type SyntaxElement = rowan::SyntaxElement<AlloyLanguage>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_round_trip_covers_every_kind() {
        for (i, kind) in ALL_KINDS.iter().enumerate() {
            assert_eq!(*kind as usize, i);
            assert_eq!(SyntaxKind::from_raw(i as u16), *kind);
        }
    }
}
