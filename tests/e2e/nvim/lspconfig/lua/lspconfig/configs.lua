-- The stand-in's lspconfig.configs (see lspconfig.lua): one entry per server, with setup()
-- and, once set up, the manager that starts and reuses its clients.
local util = require('lspconfig.util')

local Manager = {}
Manager.__index = Manager

function Manager:try_add(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if vim.bo[bufnr].buftype ~= '' or fname == '' then
    return
  end
  local root = self.config.root_dir and self.config.root_dir(fname, bufnr)
  if not root and self.config.single_file_support then
    root = vim.fs.dirname(fname)
  end
  if not root then
    return
  end
  local cfg = vim.tbl_extend('force', self.config, { root_dir = root })
  cfg.workspace_folders = { { uri = vim.uri_from_fname(root), name = root } }
  return vim.lsp.start(cfg, { bufnr = bufnr })
end

local configs = {}
function configs.__newindex(t, name, def)
  local entry = {}
  function entry.setup(user_config)
    local config = vim.tbl_deep_extend('keep', user_config or {}, def.default_config, util.default_config)
    config.name = name
    if util.on_setup then
      pcall(util.on_setup, config, user_config)
    end
    if config.autostart then
      vim.api.nvim_create_autocmd('FileType', {
        group = vim.api.nvim_create_augroup('lspconfig', { clear = false }),
        pattern = config.filetypes,
        callback = function(args)
          entry.manager:try_add(args.buf)
        end,
      })
    end
    entry.manager = setmetatable({ config = config }, Manager)
  end
  rawset(t, name, entry)
end

return setmetatable({}, configs)
