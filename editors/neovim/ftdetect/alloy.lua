-- Grafana Alloy configuration files: *.alloy -> filetype "alloy".
-- Neovim has no built-in mapping for .alloy; this is the name vim-alloy, Helix and Zed use.
vim.filetype.add({
  extension = {
    alloy = 'alloy',
  },
})
