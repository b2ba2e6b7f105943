-- Buffer settings for Grafana Alloy files.
-- `alloy fmt` indents with one tab per level, so keep real tabs.
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = 1

vim.bo.commentstring = '// %s'
vim.bo.comments = 's1:/*,mb:*,ex:*/,://'
vim.bo.expandtab = false
vim.bo.shiftwidth = 0 -- follow 'tabstop'
vim.bo.softtabstop = 0
-- Continue // comments on <Enter> and `o`, wrap comments at 'textwidth'.
vim.opt_local.formatoptions:append('croql')

vim.b.undo_ftplugin = table.concat({
  'setlocal commentstring< comments< expandtab< shiftwidth< softtabstop< formatoptions<',
  'unlet! b:did_ftplugin',
}, ' | ')
