-- goescape for vim.lsp.config / vim.lsp.enable (Neovim 0.11+) and nvim-lspconfig:
--
--   vim.lsp.config('goescape', { settings = { goescape = { categories = { map = false } } } })
--   vim.lsp.enable('goescape')
--
-- Settings go under settings.goescape (answered on workspace/configuration); the server also
-- reads them from init_options.
return {
  cmd = { 'goescape' },
  filetypes = { 'go' },
  root_markers = { 'go.work', 'go.mod', '.git' },
  init_options = vim.empty_dict(),
  settings = { goescape = vim.empty_dict() },
  on_attach = function(_, bufnr)
    if vim.lsp.inlay_hint then
      vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
    end
  end,
}
