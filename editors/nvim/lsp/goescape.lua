-- goescape for vim.lsp.config / vim.lsp.enable (Neovim 0.11+) and nvim-lspconfig:
--
--   vim.lsp.config('goescape', { settings = { goescape = { categories = { map = false } } } })
--   vim.lsp.enable('goescape')
--
-- Settings go under settings.goescape (answered on workspace/configuration); the server also
-- reads them from init_options. Hints, code lenses and the diagnostics' virtual text behave
-- as with require('goescape').setup() (its defaults, or the options given to it).
--
-- Companion mode (gopls inside goescape, goescape the Go buffers' one client), with the
-- options setup() takes for it; vim.lsp.enable('gopls') then serves only go.mod, go.work and
-- templates, and starts no gopls for the Go files:
--
--   vim.lsp.config('goescape', require('goescape').companion_config({
--     gopls = true, gopls_settings = { hints = { parameterNames = true } },
--   }))
--   vim.lsp.enable({ 'goescape', 'gopls' })
local goescape = require('goescape')
return {
  -- goescape on PATH, else the binary :GoescapeInstall put under stdpath('data')
  cmd = goescape.resolve_cmd() or { 'goescape' },
  filetypes = { 'go' },
  root_markers = { 'go.work', 'go.mod', '.git' },
  init_options = vim.empty_dict(),
  settings = { goescape = vim.empty_dict() },
  capabilities = goescape.capabilities(),
  handlers = goescape.handlers,
  on_attach = goescape.on_attach,
}
