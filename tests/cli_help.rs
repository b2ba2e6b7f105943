//! Shipping: `--help` lists every subcommand with an example, and
//! `alloy completion SHELL` prints a completion script for each shell.

use std::process::Command;

fn alloy(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_alloy"))
        .args(args)
        .output()
        .expect("run alloy");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The subcommands `alloy --help` lists under "Commands:".
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn help_gives_every_subcommand_an_example() {
    let (code, help) = alloy(&["--help"]);
    assert_eq!(code, Some(0));
    let names = subcommands(&help);
    assert!(names.len() >= 7, "{help}");
    let examples: String = help
        .lines()
        .skip_while(|l| !l.starts_with("Examples:"))
        .collect::<Vec<_>>()
        .join("\n");
    for name in &names {
        assert!(
            examples.contains(&format!("alloy {name} "))
                || examples.contains(&format!("alloy {name}\n")),
            "no example for `alloy {name}` in:\n{help}"
        );
        // Each subcommand's own help has one too.
        let (code, own) = alloy(&[name, "--help"]);
        assert_eq!(code, Some(0), "{name}");
        assert!(own.contains("Example"), "`alloy {name} --help`:\n{own}");
    }
}

#[test]
fn completion_scripts_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef alloy"),
        ("fish", "complete -c alloy"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (code, script) = alloy(&["completion", shell]);
        assert_eq!(code, Some(0), "{shell}");
        assert!(script.contains(marker), "{shell}: {script}");
        for sub in ["check", "fmt", "validate", "lsp", "run", "parse"] {
            assert!(script.contains(sub), "{shell} lacks {sub}");
        }
    }
    let (code, _) = alloy(&["completion", "tcsh"]);
    assert_eq!(code, Some(2));
}
