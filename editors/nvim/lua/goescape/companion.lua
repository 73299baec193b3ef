-- Companion mode for Neovim 0.10+: goescape runs gopls inside it (`goescape --gopls=PATH`)
-- and is the one language client of the Go buffers it serves, so `K` opens one float with
-- gopls's hover and the escape section, and completion, definitions, rename and gopls's
-- diagnostics come through the same client. This module finds gopls, builds the command,
-- and keeps a separate gopls client off those buffers: two clients would each answer `K`,
-- and the second float replaces the first. A separate gopls is not started for them at all
-- where its starter offers a way to decline a buffer (nvim-lspconfig's setup(), Neovim
-- 0.11's vim.lsp.enable); one started any other way is detached once it attaches.
local M = {}

-- Companion mode needs vim.lsp.start and the LspAttach event's client id (0.10 has both, and
-- is the oldest version it is tested on).
M.supported = vim.fn.has('nvim-0.10') == 1

-- 0.11 made client.stop a method (client:stop); the dot form is deprecated there.
local method_calls = vim.fn.has('nvim-0.11') == 1

-- The filetypes goescape serves in companion mode (a set), or nil while companion mode is off.
local serving = nil

-- Buffers a goescape client in companion mode attached to: a gopls client that attaches to
-- one of them is detached again.
local served = {}

--- The gopls to run for the `gopls` option (true: gopls on PATH; a string: that program).
--- Returns (absolute path) or (nil, message for the user).
function M.find_gopls(opt)
  local name = type(opt) == 'string' and vim.fn.expand(opt) or 'gopls'
  local exe = vim.fn.exepath(name)
  if exe == '' then
    return nil, string.format("'%s' not found%s: goescape runs without gopls inside it", name,
      type(opt) == 'string' and '' or ' on PATH')
  end
  return exe
end

--- The server command in companion mode: cmd (borrowed, left as it is), then --gopls=PATH,
--- then the extra gopls arguments after `--`.
function M.command(cmd, gopls, gopls_args)
  local out = vim.deepcopy(cmd)
  table.insert(out, '--gopls=' .. gopls)
  if type(gopls_args) == 'table' and #gopls_args > 0 then
    table.insert(out, '--')
    vim.list_extend(out, gopls_args)
  end
  return out
end

--- Whether a client configuration (a client's, or one nvim-lspconfig sets up) is a separate
--- gopls: named gopls (nvim-lspconfig, vim.lsp.enable), or with a gopls command under
--- another name.
local function is_gopls_config(name, cmd)
  if name == 'goescape' then
    return false
  end
  if name == 'gopls' then
    return true
  end
  return type(cmd) == 'table' and type(cmd[1]) == 'string' and vim.fn.fnamemodify(cmd[1], ':t') == 'gopls'
end

--- Whether a client is a separate gopls.
function M.is_gopls(client)
  return client ~= nil and is_gopls_config(client.name, client.config and client.config.cmd)
end

--- Whether goescape serves a buffer in companion mode: a file (a name, no buftype) of one
--- of the filetypes goescape serves, while companion mode is on. A gopls started elsewhere
--- is kept off exactly these buffers.
function M.serves(bufnr)
  if serving == nil or not bufnr or not vim.api.nvim_buf_is_valid(bufnr) then
    return false
  end
  if vim.bo[bufnr].buftype ~= '' or vim.api.nvim_buf_get_name(bufnr) == '' then
    return false
  end
  return serving[vim.bo[bufnr].filetype] == true
end

-- Detaches a gopls client from a buffer, and stops it once it serves no buffer: it would
-- only hold a loaded workspace in memory. Scheduled twice: LspAttach runs inside the
-- client's attach, which itself schedules the start of semantic tokens for the buffer; that
-- start warns when the client is no longer attached, so the detach comes after it.
local function detach(bufnr, client_id)
  vim.schedule(function()
    vim.schedule(function()
      local client = vim.lsp.get_client_by_id(client_id)
      if not client or not vim.api.nvim_buf_is_valid(bufnr) or not vim.lsp.buf_is_attached(bufnr, client_id) then
        return
      end
      vim.lsp.buf_detach_client(bufnr, client_id)
      if next(client.attached_buffers or {}) == nil then
        if method_calls then
          client:stop()
        else
          client.stop()
        end
      end
    end)
  end)
end

--- Marks a buffer as served by goescape in companion mode and detaches the gopls clients
--- already attached to it.
function M.serve(bufnr)
  served[bufnr] = true
  for _, client in ipairs(vim.lsp.get_clients({ bufnr = bufnr })) do
    if M.is_gopls(client) then
      detach(bufnr, client.id)
    end
  end
end

-- nvim-lspconfig's setup() (the framework it keeps for Neovim 0.10). util.on_setup is its
-- public hook: it runs in every setup() with the resolved config, before the config is used.
-- setup() starts a server for a buffer only when config.root_dir(fname, bufnr) gives a
-- directory, or, with none, when config.single_file_support is set. A gopls set up after
-- companion mode is on gets a root_dir that gives none for the buffers goescape serves,
-- and the root_dir it had for the others; its single-file support moves into that root_dir
-- (the file's directory when it had no root), so that a declined buffer starts nothing.
local function on_lspconfig_setup(config)
  if type(config) ~= 'table' or not is_gopls_config(config.name, config.cmd) then
    return
  end
  local root_dir, single_file = config.root_dir, config.single_file_support
  config.single_file_support = false
  config.root_dir = function(fname, bufnr)
    if M.serves(bufnr or vim.fn.bufnr(fname)) then
      return nil
    end
    local root = root_dir
    if type(root_dir) == 'function' then
      root = root_dir(fname, bufnr)
    end
    if root == nil and single_file and type(fname) == 'string' and fname ~= '' then
      root = vim.fs.dirname(fname)
    end
    return root
  end
end

local on_setup_hooked = false
local function hook_lspconfig_setup()
  if on_setup_hooked then
    return
  end
  -- Only when nvim-lspconfig is installed; requiring it loads nothing else.
  local ok, util = pcall(require, 'lspconfig.util')
  if not ok or type(util) ~= 'table' then
    return
  end
  on_setup_hooked = true
  local previous = util.on_setup
  util.on_setup = function(config, user_config)
    if previous then
      previous(config, user_config)
    end
    on_lspconfig_setup(config)
  end
end

-- A gopls that nvim-lspconfig set up before companion mode was turned on already has its
-- FileType autocmd, which hands each buffer to the config's manager (configs.gopls.manager,
-- the object :LspInfo reads). Its try_add (a method in recent versions, a function in
-- older ones) then declines the buffers goescape serves. Where the manager is not found
-- so, nothing is changed, and the detach below still applies.
local guarded_managers = setmetatable({}, { __mode = 'k' })
local function guard_lspconfig_manager()
  local configs = package.loaded['lspconfig.configs']
  local entry = type(configs) == 'table' and rawget(configs, 'gopls')
  local manager = type(entry) == 'table' and rawget(entry, 'manager')
  if type(manager) ~= 'table' or type(manager.try_add) ~= 'function' or guarded_managers[manager] then
    return
  end
  guarded_managers[manager] = true
  local try_add = manager.try_add
  manager.try_add = function(...)
    local first, second = ...
    local bufnr = type(first) == 'table' and second or first
    if bufnr == nil or bufnr == 0 then
      bufnr = vim.api.nvim_get_current_buf()
    end
    if M.serves(bufnr) then
      return
    end
    return try_add(...)
  end
end

-- Neovim 0.11's vim.lsp.enable('gopls') starts gopls for a buffer only once the config's
-- root_dir function hands it a directory (on_dir); a root_dir that does not call on_dir
-- declines the buffer. goescape's root_dir declines the buffers goescape serves and hands
-- the others to the root_dir gopls had (nvim-lspconfig's lsp/gopls.lua, or the user's), or,
-- when it had none, to its root_markers.
local gopls_root_dir = nil -- the root_dir gopls had before
local function declining_root_dir(bufnr, on_dir)
  if M.serves(bufnr) then
    return
  end
  if type(gopls_root_dir) == 'function' then
    return gopls_root_dir(bufnr, on_dir)
  end
  on_dir(gopls_root_dir) -- a directory, or nil: vim.lsp.start then uses root_markers
end

local function guard_lsp_enable()
  if vim.fn.has('nvim-0.11') == 0 or vim.lsp.config == nil or vim.lsp.enable == nil then
    return
  end
  local ok, current = pcall(function()
    return vim.lsp.config.gopls
  end)
  if not ok then
    return
  end
  local root_dir = type(current) == 'table' and current.root_dir or nil
  if root_dir == declining_root_dir then
    return
  end
  gopls_root_dir = root_dir
  vim.lsp.config('gopls', { root_dir = declining_root_dir })
end

--- Turns companion mode's guard on for the given filetypes: a separate gopls is not started
--- for the buffers goescape serves (see above) and is detached from them when it attaches
--- anyway. Safe to call again; the newest filetypes count.
function M.activate(filetypes)
  serving = {}
  for _, ft in ipairs(filetypes or { 'go' }) do
    serving[ft] = true
  end
  hook_lspconfig_setup()
  guard_lspconfig_manager()
  guard_lsp_enable()
  local group = vim.api.nvim_create_augroup('goescape_companion', { clear = true })
  vim.api.nvim_create_autocmd('LspAttach', {
    group = group,
    callback = function(args)
      local id = args.data and args.data.client_id
      if id and served[args.buf] and M.is_gopls(vim.lsp.get_client_by_id(id)) then
        detach(args.buf, id)
      end
    end,
  })
  -- nvim-lspconfig may be loaded later (a plugin manager's lazy loading): the hook and the
  -- guard go in when it is. This runs before any FileType autocmd made after it, such as the
  -- one of a gopls that nvim-lspconfig sets up from now on.
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    callback = function()
      if package.loaded['lspconfig.util'] then
        hook_lspconfig_setup()
        guard_lspconfig_manager()
      end
    end,
  })
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = group,
    callback = function(args)
      served[args.buf] = nil
    end,
  })
end

--- What keeps a separate gopls off goescape's buffers now, for :checkhealth: a list of
--- { ok = boolean, text = string }.
function M.guards()
  local out = {}
  if serving == nil then
    return out
  end
  if on_setup_hooked then
    table.insert(out, { ok = true, text = "nvim-lspconfig: a gopls set up from now on declines goescape's buffers" })
  end
  if next(guarded_managers) ~= nil then
    table.insert(out, { ok = true, text = "nvim-lspconfig: the gopls set up before declines goescape's buffers" })
  end
  if vim.fn.has('nvim-0.11') == 1 and vim.lsp.config ~= nil then
    local ok, current = pcall(function()
      return vim.lsp.config.gopls
    end)
    if ok and type(current) == 'table' and current.root_dir == declining_root_dir then
      table.insert(out, { ok = true, text = "vim.lsp.enable('gopls') declines goescape's buffers" })
    elseif ok and type(current) == 'table' and current.cmd ~= nil then
      table.insert(out, { ok = false, text = "vim.lsp.config('gopls') got a root_dir of its own after goescape's "
        .. "setup: a gopls from vim.lsp.enable starts for goescape's buffers and is then detached" })
    end
  end
  table.insert(out, { ok = true, text = 'a gopls started any other way is detached from them when it attaches' })
  return out
end

--- Turns companion mode's guard off and forgets every served buffer (setup() starts over).
--- A gopls whose nvim-lspconfig setup() ran meanwhile keeps the filetypes it was given.
function M.reset()
  serving = nil
  served = {}
  pcall(vim.api.nvim_del_augroup_by_name, 'goescape_companion')
end

return M
