-- Minimal init for the headless end-to-end test: only this plugin on the runtimepath.
-- Used as: nvim --headless --clean -u editors/neovim/test/minimal_init.lua -l editors/neovim/test/e2e.lua <alloy>
local test_dir = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
local plugin_dir = vim.fs.normalize(vim.fn.fnamemodify(test_dir, ':p:h:h'))

vim.opt.runtimepath:prepend(plugin_dir)
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.opt.more = false

-- Load ftdetect/ and ftplugin/ from the plugin directory.
vim.cmd('filetype plugin indent on')
vim.cmd('runtime! ftdetect/*.lua')

vim.g.alloy_test_plugin_dir = plugin_dir
