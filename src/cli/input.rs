//! Reading the files named on the command line (`-` is standard input).

use std::io::Read;
use std::path::Path;

/// A named input: the name is used verbatim in messages, as upstream does.
pub struct Input {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Reads `-` from stdin (named `<stdin>` unless `stdin_name` is given) or a file.
pub fn read(arg: &str, stdin_name: Option<&str>) -> std::io::Result<Input> {
    if arg == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().lock().read_to_end(&mut bytes)?;
        return Ok(Input {
            name: stdin_name.unwrap_or("<stdin>").to_owned(),
            bytes,
        });
    }
    let bytes = std::fs::read(Path::new(arg))?;
    Ok(Input {
        name: arg.to_owned(),
        bytes,
    })
}
