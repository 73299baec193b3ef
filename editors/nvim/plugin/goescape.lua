-- :GoEscapeAnalyze and :GoEscapeToggle for any goescape client (setup() or vim.lsp.enable).
-- The server itself starts only from require('goescape').setup() or vim.lsp.enable('goescape').
if vim.g.loaded_goescape then
  return
end
vim.g.loaded_goescape = true
require('goescape').create_commands()
