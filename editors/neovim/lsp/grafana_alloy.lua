--- Grafana Alloy language server (`alloy lsp` from the alloy-rs toolchain).
---
--- Neovim 0.11+:
---   vim.lsp.enable('grafana_alloy')
--- Override any field with vim.lsp.config('grafana_alloy', { ... }), e.g. the binary:
---   vim.lsp.config('grafana_alloy', { cmd = { '/path/to/alloy', 'lsp' } })
---
--- The name is not `alloy_ls`: nvim-lspconfig uses that for AlloyTools (a different language).
--- Alloy loads all *.alloy files of a directory as one module, so without a `.git` root the
--- file's own directory is the root.

---@type vim.lsp.Config
return {
  cmd = { 'alloy', 'lsp' },
  filetypes = { 'alloy' },
  -- Used by root_dir below (Neovim ignores root_markers when root_dir is set).
  root_markers = { '.git' },
  root_dir = function(bufnr, on_dir)
    local fname = vim.api.nvim_buf_get_name(bufnr)
    if fname == '' then
      return -- unnamed buffer: do not start a server
    end
    local markers = vim.lsp.config.grafana_alloy and vim.lsp.config.grafana_alloy.root_markers or { '.git' }
    on_dir(vim.fs.root(bufnr, markers) or vim.fs.dirname(fname))
  end,
  -- Sent as `initializationOptions`; same keys as the VS Code settings.
  init_options = {
    stabilityLevel = 'generally-available', -- or 'public-preview', 'experimental'
    communityComponents = false,
  },
  -- Answered to `workspace/configuration` requests for the section "alloy".
  settings = {
    alloy = {
      stabilityLevel = 'generally-available',
      communityComponents = false,
    },
  },
}
