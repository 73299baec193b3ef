-- A stand-in for nvim-lspconfig's setup() framework (the one its 1.x and 2.x releases keep for
-- Neovim 0.10), for the real-editor tests: nvim-lspconfig is a git repository, and no
-- package registry these machines reach carries it. It has the parts goescape's companion
-- mode meets, with their documented behaviour: require('lspconfig').NAME.setup(config) merges
-- the config over the server's defaults, calls require('lspconfig.util').on_setup(config,
-- user_config) when it is set, then makes a FileType autocmd for config.filetypes (when
-- autostart) that hands the buffer to require('lspconfig.configs').NAME.manager:try_add,
-- which finds the root with config.root_dir (or the file's directory, with
-- single_file_support) and starts the server with vim.lsp.start. Set E2E_LSPCONFIG to a
-- checkout of the real nvim-lspconfig to test against it instead.
local configs = require('lspconfig.configs')
return setmetatable({ util = require('lspconfig.util') }, {
  __index = function(_, name)
    if rawget(configs, name) then
      return rawget(configs, name)
    end
    local ok, def = pcall(require, 'lspconfig.configs.' .. name)
    if not ok then
      return nil
    end
    configs[name] = def
    return rawget(configs, name)
  end,
})
