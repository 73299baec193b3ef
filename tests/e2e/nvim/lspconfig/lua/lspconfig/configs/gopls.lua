-- The stand-in's gopls defaults (see lspconfig.lua), as nvim-lspconfig has them.
return {
  default_config = {
    cmd = { 'gopls' },
    filetypes = { 'go', 'gomod', 'gowork', 'gotmpl' },
    root_dir = function(fname)
      return vim.fs.root(fname, { 'go.work', 'go.mod', '.git' })
    end,
    single_file_support = true,
  },
}
