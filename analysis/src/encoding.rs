//! Upstream's encoding gate: `alloy run` and `alloy validate` pass every
//! file through `encoder.EnsureUTF8(bytes, true)` before parsing it, which
//! refuses UTF-16 and UTF-32 files (recognised by their byte order mark)
//! and files that are not valid UTF-8 and carry no BOM. A UTF-8 BOM is
//! accepted whatever follows: the scanner then reports invalid bytes
//! itself. `alloy fmt` does not call it.
//!
//! The BOM is detected as `github.com/dimchansky/utfbom` does, in its
//! order: the 4-byte UTF-32 marks first (`FF FE 00 00` also starts like
//! the UTF-16 little-endian mark), then UTF-8, then the 2-byte UTF-16
//! marks.

use std::fmt;

/// A Unicode encoding other than UTF-8, by upstream's name for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Utf16BigEndian,
    Utf16LittleEndian,
    Utf32BigEndian,
    Utf32LittleEndian,
}

impl Encoding {
    /// `utfbom.Encoding.String()`.
    pub fn upstream_name(self) -> &'static str {
        match self {
            Encoding::Utf16BigEndian => "UTF16BigEndian",
            Encoding::Utf16LittleEndian => "UTF16LittleEndian",
            Encoding::Utf32BigEndian => "UTF32BigEndian",
            Encoding::Utf32LittleEndian => "UTF32LittleEndian",
        }
    }
}

/// Why a file cannot be loaded, with upstream's message as `Display`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EncodingError {
    /// A UTF-16 or UTF-32 byte order mark.
    NotUtf8(Encoding),
    /// No byte order mark, and the bytes are not valid UTF-8.
    Unknown,
}

impl fmt::Display for EncodingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodingError::NotUtf8(encoding) => write!(
                f,
                "configuration is encoded with {} but must be utf8",
                encoding.upstream_name()
            ),
            EncodingError::Unknown => f.write_str("unknown encoding for config"),
        }
    }
}

impl std::error::Error for EncodingError {}

/// What the byte order mark says, if anything.
enum Bom {
    Utf8,
    Other(Encoding),
    None,
}

fn bom(bytes: &[u8]) -> Bom {
    match bytes {
        [0x00, 0x00, 0xFE, 0xFF, ..] => Bom::Other(Encoding::Utf32BigEndian),
        [0xFF, 0xFE, 0x00, 0x00, ..] => Bom::Other(Encoding::Utf32LittleEndian),
        [0xEF, 0xBB, 0xBF, ..] => Bom::Utf8,
        [0xFE, 0xFF, ..] => Bom::Other(Encoding::Utf16BigEndian),
        [0xFF, 0xFE, ..] => Bom::Other(Encoding::Utf16LittleEndian),
        _ => Bom::None,
    }
}

/// Upstream's `EnsureUTF8(bytes, true)`: `Ok` for what it lets through.
pub fn ensure_utf8(bytes: &[u8]) -> Result<(), EncodingError> {
    check(bytes, || std::str::from_utf8(bytes).is_err())
}

/// [`ensure_utf8`] with the UTF-8 validity already known (the parser
/// decodes every file anyway; validating 4 MB twice would show).
pub(crate) fn check(
    bytes: &[u8],
    invalid_utf8: impl FnOnce() -> bool,
) -> Result<(), EncodingError> {
    match bom(bytes) {
        Bom::Other(encoding) => Err(EncodingError::NotUtf8(encoding)),
        Bom::Utf8 => Ok(()),
        Bom::None if invalid_utf8() => Err(EncodingError::Unknown),
        Bom::None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_marks_in_utfbom_order() {
        let not = |e| Err(EncodingError::NotUtf8(e));
        assert_eq!(
            ensure_utf8(b"\xff\xfes\x00"),
            not(Encoding::Utf16LittleEndian)
        );
        assert_eq!(ensure_utf8(b"\xfe\xff\x00s"), not(Encoding::Utf16BigEndian));
        assert_eq!(
            ensure_utf8(b"\xff\xfe\x00\x00s\x00\x00\x00"),
            not(Encoding::Utf32LittleEndian)
        );
        assert_eq!(
            ensure_utf8(b"\x00\x00\xfe\xff\x00\x00\x00s"),
            not(Encoding::Utf32BigEndian)
        );
        // Two bytes are enough for a UTF-16 mark.
        assert_eq!(ensure_utf8(b"\xff\xfe"), not(Encoding::Utf16LittleEndian));
    }

    #[test]
    fn utf8_passes_and_invalid_bytes_without_a_bom_do_not() {
        assert_eq!(ensure_utf8(b""), Ok(()));
        assert_eq!(ensure_utf8("a = \"é\"\n".as_bytes()), Ok(()));
        assert_eq!(
            ensure_utf8(b"a = \"\xfa\xdf\"\n"),
            Err(EncodingError::Unknown)
        );
        // A UTF-8 mark lets anything through; the scanner reports the rest.
        assert_eq!(ensure_utf8(b"\xef\xbb\xbfa = \"\xfa\"\n"), Ok(()));
        assert_eq!(
            EncodingError::NotUtf8(Encoding::Utf16LittleEndian).to_string(),
            "configuration is encoded with UTF16LittleEndian but must be utf8"
        );
        assert_eq!(
            EncodingError::Unknown.to_string(),
            "unknown encoding for config"
        );
    }
}
