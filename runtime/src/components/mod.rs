//! Components implemented in this crate. Each one registers itself with
//! [`register_builtin`]; `alloy run` refuses configs that use any other
//! component until a crate registers it. The `otelcol.*` components wrap
//! the `alloy-otelcol` crate (module `otelcol`).

mod local_file;
pub mod loki;
pub(crate) mod otelcol;

use crate::component::Registry;

/// Adds this crate's components to `registry`.
pub fn register_builtin(registry: &mut Registry) {
    let registrations = [local_file::registration()]
        .into_iter()
        .flatten()
        .chain(otelcol::registrations())
        .chain(loki::registrations());
    for registration in registrations {
        if let Err(error) = registry.register(registration) {
            tracing::error!(err = %error, "registering a builtin component");
        }
    }
}

/// An I/O error worded as Go's `os` package words it (`open /x: no such
/// file or directory`), as upstream's messages show them.
pub(crate) fn go_io_error(op: &str, path: &str, error: &std::io::Error) -> String {
    let text = match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_owned(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_lowercase(),
                None => text,
            }
        }
    };
    format!("{op} {path}: {text}")
}
