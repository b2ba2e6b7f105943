//! CST snapshots of our own fixtures: `fixtures/syntax/ok` must parse without
//! errors, `fixtures/syntax/err` must report some; every tree must be
//! lossless. Review changes with `cargo insta review`.

#[test]
fn syntax_fixtures() {
    insta::glob!("../../fixtures", "syntax/**/*.alloy", |path| {
        let bytes = std::fs::read(path).expect("fixture");
        let parse = alloy_syntax::parse_file(&bytes);
        assert_eq!(
            parse.syntax_node().to_string(),
            alloy_syntax::decode_like_upstream(&bytes),
            "tree is not lossless"
        );
        let in_err = path.components().any(|c| c.as_os_str() == "err");
        assert_eq!(
            parse.has_errors(),
            in_err,
            "{}: errors {:?}",
            path.display(),
            parse.errors()
        );
        insta::assert_snapshot!(alloy_syntax::debug_dump(&parse));
    });
}
