//! Time parsing and formatting (RFC 3339, Go layouts).
