-- What the end-to-end test expects from the server. Files live in fixtures/ and are copied
-- to a temporary directory before the test (formatting changes them).
-- `@@` in a fixture marks the cursor position; it is removed from the copied file.
return {
  -- Opened first; the server must attach to it and report no errors for it.
  clean = { file = 'config.alloy' },

  -- A syntax error the server must report. `line` is 1-based; `message` is a plain substring.
  diagnostics = {
    file = 'syntax_error.alloy',
    line = 2,
    message = 'expected TERMINATOR, got IDENT',
  },

  -- Completion at `@@` (an empty line in a prometheus.scrape body): the result must contain
  -- every label of `expect` (matched against label, filterText and insertText).
  completion = {
    file = 'completion.alloy',
    expect = { 'forward_to' },
  },

  -- vim.lsp.buf.format() on `file` must give exactly the content of `expected`
  -- (which is `alloy fmt` output).
  formatting = {
    file = 'unformatted.alloy',
    expected = 'unformatted.expected.alloy',
  },
}
