-- goescape for Neovim: starts the goescape language server for Go buffers.
--
--   require('goescape').setup({
--     cmd = nil,                       -- goescape on PATH, else :GoescapeInstall's; or { '/path/to/goescape' }
--     settings = { categories = { map = false } },
--     inlay_hints = true,              -- enable inlay hints on attach (Neovim 0.10+)
--     virtual_text = nil,              -- nil: diagnostic virtual text only while hints are off
--     code_lens = true,                -- show the "3 heap escapes: ..." lenses
--     gopls = false,                   -- true or a path: companion mode (Neovim 0.10+)
--   })
--
-- Neovim 0.10+ starts it with vim.lsp.start and shows inlay hints; Neovim 0.7-0.9 use
-- vim.lsp.start_client + vim.lsp.buf_attach_client and get diagnostics, hovers and lenses.
-- By default goescape runs beside gopls: each is its own client on the same buffer. With
-- gopls = true (Neovim 0.10+) goescape runs gopls inside it and is the buffer's one client
-- (lua/goescape/companion.lua).
local M = {}

M.name = 'goescape'

local defaults = {
  -- Command that starts the server; its first word is looked up on PATH. nil: goescape on
  -- PATH, else the binary :GoescapeInstall put under stdpath('data').
  cmd = nil,
  -- Filetypes to attach to.
  filetypes = { 'go' },
  -- Server settings (docs/lsp.md), sent as initializationOptions and answered on
  -- workspace/configuration (section "goescape").
  settings = {},
  -- Turn on inlay hints for attached buffers (Neovim 0.10+).
  inlay_hints = true,
  -- Virtual text of goescape's diagnostics. nil: shown only while the inlay hints are off,
  -- since a hint and the diagnostic's virtual text say the same thing; true or false: always
  -- or never (vim.diagnostic.config() for goescape's namespace).
  virtual_text = nil,
  -- Show code lenses ("3 heap escapes: 1 map, ...") above functions: refreshed on attach,
  -- on BufEnter and after each analysis.
  code_lens = true,
  -- Companion mode (Neovim 0.10+). false: goescape runs beside gopls, as a client of its
  -- own. true: goescape runs gopls from PATH inside it (goescape --gopls=PATH) and is the one
  -- client of the Go buffers it serves; a separate gopls is not started for them (one from
  -- nvim-lspconfig's setup() or vim.lsp.enable), or is detached from them (any other). A
  -- string: the gopls program to run. Without that gopls, goescape runs as with false.
  gopls = false,
  -- Extra arguments for gopls in companion mode (given after `--`).
  gopls_args = {},
  -- gopls's settings in companion mode, as gopls documents them: they reach gopls unchanged,
  -- as initializationOptions and as the "gopls" section of workspace/configuration.
  gopls_settings = {},
  -- Called with (client, bufnr) after the client attaches to a buffer.
  on_attach = nil,
  -- Extra fields merged into the client configuration (capabilities, handlers, ...).
  client_config = {},
}

M.config = vim.deepcopy(defaults)

-- Latest goescape/status notification: { state, package, message, escapes }.
M.last_status = nil
-- The server's count of heap escapes shown in each file, from goescape/status, by file name.
-- A status covers one package's files in view, so other packages' counts stay.
M.escapes = {}
-- The gopls goescape runs inside it (companion mode), or nil; set by setup().
M.gopls_path = nil

local companion = require('goescape.companion')

local has_start = vim.lsp.start ~= nil
local has_inlay = vim.lsp.inlay_hint ~= nil and type(vim.lsp.inlay_hint.enable) == 'function'
-- 0.11 made client.request/client.notify methods (client:request); the dot form is deprecated.
local method_calls = vim.fn.has('nvim-0.11') == 1

local function client_request(client, method, params, handler, bufnr)
  if method_calls then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function client_notify(client, method, params)
  if method_calls then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

local function notify(msg, level)
  vim.notify('goescape: ' .. msg, level or vim.log.levels.INFO)
end

local function get_clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = M.name, bufnr = bufnr })
  end
  local out = {}
  local all = bufnr and vim.lsp.buf_get_clients(bufnr) or vim.lsp.get_active_clients()
  for _, c in pairs(all) do
    if c.name == M.name then
      table.insert(out, c)
    end
  end
  return out
end
M.get_clients = get_clients

-- Settings as JSON objects: an empty Lua table would be sent as [].
local function as_object(t)
  if t == nil or next(t) == nil then
    return vim.empty_dict()
  end
  return t
end

--- The server command: config.cmd, else goescape on PATH, else the binary :GoescapeInstall
--- put under stdpath('data'). Returns (cmd, error message).
function M.resolve_cmd()
  local cmd = M.config.cmd
  if type(cmd) == 'string' then
    cmd = { cmd }
  end
  local exe = cmd and vim.fn.exepath(cmd[1]) or vim.fn.exepath('goescape')
  if exe == '' and not cmd then
    local installed = require('goescape.install').bin_path()
    if vim.fn.executable(installed) == 1 then
      exe = installed
    end
  end
  if exe == '' then
    return nil,
      string.format(
        "server '%s' not found. Install it with :GoescapeInstall (a release archive's URL, or a build "
          .. 'from source), put goescape on PATH, or pass its path: '
          .. "require('goescape').setup({ cmd = { '/path/to/goescape' } })",
        cmd and cmd[1] or 'goescape'
      )
  end
  local out = { exe }
  for i = 2, #(cmd or {}) do
    out[i] = cmd[i]
  end
  return out
end

--- The workspace root of a file: the nearest go.work, else the nearest go.mod, else its
--- directory.
function M.root_dir(fname)
  local dir = vim.fn.fnamemodify(fname, ':p:h')
  for _, marker in ipairs({ 'go.work', 'go.mod' }) do
    local found = vim.fn.findfile(marker, dir .. ';')
    if found ~= '' then
      return vim.fn.fnamemodify(found, ':p:h')
    end
  end
  return dir
end

local function on_status(err, result)
  if err or type(result) ~= 'table' then
    return
  end
  M.last_status = result
  if type(result.escapes) == 'table' then
    for uri, n in pairs(result.escapes) do
      if type(uri) == 'string' and type(n) == 'number' then
        M.escapes[vim.uri_to_fname(uri)] = n
      end
    end
  end
  vim.api.nvim_exec_autocmds('User', { pattern = 'GoEscapeStatus', modeline = false })
end

local function hints_enabled(bufnr)
  if not has_inlay then
    return false
  end
  -- 0.10+: is_enabled(filter); some 0.10 nightlies had is_enabled(bufnr).
  local ok, on = pcall(vim.lsp.inlay_hint.is_enabled, { bufnr = bufnr })
  if not ok then
    ok, on = pcall(vim.lsp.inlay_hint.is_enabled, bufnr)
  end
  return ok and on == true
end

local function hints_on_in(bufnr)
  -- 0.10+: enable(enable, filter); some 0.10 nightlies had enable(bufnr, enable).
  if not pcall(vim.lsp.inlay_hint.enable, true, { bufnr = bufnr }) then
    pcall(vim.lsp.inlay_hint.enable, bufnr, true)
  end
end

local function shown_in_window(bufnr)
  return vim.fn.bufwinid(bufnr) ~= -1
end

-- Buffers whose hints changed on the server while no window showed them; they are
-- fetched again when a window shows them (BufWinEnter).
local stale_hints = {}

-- Asks every client of the buffer for its inlay hints again and draws them.
-- Neovim's decoration provider redraws a line only when the line's hints are of a newer
-- document version than the ones it drew (0.10 does not forget what it drew on
-- workspace/inlayHint/refresh): hints that change after an analysis, on an unchanged
-- text, would be drawn only after the next edit. Enabling the hints again is the public
-- way to start the buffer's hint state afresh; the old extmarks stay until the new
-- answers are drawn, so nothing flickers.
local function redraw_hints(bufnr)
  if not hints_enabled(bufnr) then
    return
  end
  if not shown_in_window(bufnr) then
    stale_hints[bufnr] = true
    return
  end
  stale_hints[bufnr] = nil
  hints_on_in(bufnr)
end

-- Lenses of buffers no window shows are fetched on their next BufEnter.
local function refresh_lenses(bufnr)
  if not M.config.code_lens or not shown_in_window(bufnr) then
    return
  end
  if vim.lsp.codelens.enable then
    -- 0.12+: refresh() is deprecated and does exactly this
    vim.lsp.codelens.enable(true, { bufnr = bufnr })
  elseif vim.fn.has('nvim-0.10') == 1 then
    vim.lsp.codelens.refresh({ bufnr = bufnr })
  else
    -- 0.7-0.9 refresh the current buffer only
    vim.api.nvim_buf_call(bufnr, function()
      vim.lsp.codelens.refresh()
    end)
  end
end

local function client_buffers(client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  if client and client.attached_buffers then
    return vim.tbl_keys(client.attached_buffers)
  end
  local out = {}
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.lsp.buf_is_attached(b, client_id) then
      table.insert(out, b)
    end
  end
  return out
end

-- workspace/inlayHint/refresh: the server has new hints (after an analysis, a toggle or a
-- settings change).
local function on_inlay_refresh(err, _, ctx)
  if not err then
    for _, bufnr in ipairs(client_buffers(ctx.client_id)) do
      redraw_hints(bufnr)
    end
  end
  return vim.NIL
end

-- workspace/codeLens/refresh: the same for code lenses. Neovim's client does not take it
-- before 0.11, so goescape's client announces the capability and handles it here.
local function on_lens_refresh(err, _, ctx)
  if not err then
    for _, bufnr in ipairs(client_buffers(ctx.client_id)) do
      refresh_lenses(bufnr)
    end
  end
  return vim.NIL
end

-- Handlers with the 0.5-0.9 signature (err, result, ctx, config) work on 0.10 too.
local handlers = {
  ['goescape/status'] = on_status,
  ['workspace/inlayHint/refresh'] = on_inlay_refresh,
  ['workspace/codeLens/refresh'] = on_lens_refresh,
}

-- The severities of diagnostics that are gopls's alone in companion mode: goescape uses
-- information and hint unless its severity setting names others.
local function gopls_only_severities()
  local used = { information = true, hint = true }
  for _, sev in pairs((M.config.settings or {}).severity or {}) do
    used[sev] = true
  end
  local keep = {}
  for name, level in pairs({ error = vim.diagnostic.severity.ERROR, warning = vim.diagnostic.severity.WARN,
    information = vim.diagnostic.severity.INFO, hint = vim.diagnostic.severity.HINT }) do
    if not used[name] then
      table.insert(keep, level)
    end
  end
  return keep
end

-- A hint and the diagnostic's virtual text say the same thing: with virtual_text = nil,
-- goescape's diagnostics have virtual text only while its hints are off. In companion mode
-- gopls's diagnostics share the client's namespace, so only the severities goescape does
-- not use keep their virtual text (gopls's errors and warnings, by default).
local function apply_virtual_text(client_id, hints_on)
  local vt = M.config.virtual_text
  if vt == nil then
    vt = vim.diagnostic.config().virtual_text
    if hints_on and M.gopls_path and vt then
      local keep = gopls_only_severities()
      vt = #keep > 0 and vim.tbl_extend('force', type(vt) == 'table' and vt or {}, { severity = keep })
    elseif hints_on then
      vt = false
    end
  end
  local ns = vim.lsp.diagnostic.get_namespace(client_id)
  vim.diagnostic.config({ virtual_text = vt }, ns)
end

local function enable_hints(bufnr)
  if has_inlay and M.config.inlay_hints then
    hints_on_in(bufnr)
  end
end

-- Whether the server sends hints (settings.inlayHints, or the last goescape.toggle).
local function server_hints_on()
  if M.hints_on ~= nil then
    return M.hints_on
  end
  return not (M.config.settings and M.config.settings.inlayHints == false)
end

local buf_group

-- Whether a goescape client runs gopls inside it (its command has --gopls=...).
local function runs_gopls(client)
  for _, arg in ipairs(client.config and client.config.cmd or {}) do
    if type(arg) == 'string' and arg:sub(1, 8) == '--gopls=' then
      return true
    end
  end
  return false
end

--- The client's on_attach (also used by lsp/goescape.lua): hints, virtual text, lenses;
--- in companion mode, a separate gopls client is kept off the buffer.
function M.on_attach(client, bufnr)
  if companion.supported and runs_gopls(client) then
    companion.serve(bufnr)
  end
  enable_hints(bufnr)
  apply_virtual_text(client.id, hints_enabled(bufnr) and server_hints_on())
  if M.config.code_lens then
    refresh_lenses(bufnr)
  end
  buf_group = buf_group or vim.api.nvim_create_augroup('goescape_buffers', { clear = true })
  vim.api.nvim_clear_autocmds({ group = buf_group, buffer = bufnr })
  vim.api.nvim_create_autocmd('BufWinEnter', {
    group = buf_group,
    buffer = bufnr,
    callback = function()
      if stale_hints[bufnr] then
        redraw_hints(bufnr)
      end
    end,
  })
  vim.api.nvim_create_autocmd('BufEnter', {
    group = buf_group,
    buffer = bufnr,
    callback = function()
      refresh_lenses(bufnr)
    end,
  })
  if M.config.on_attach then
    M.config.on_attach(client, bufnr)
  end
end

M.handlers = handlers

--- The client capabilities: Neovim's, and workspace/codeLens/refresh, which the handlers
--- above take.
function M.capabilities()
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  capabilities.workspace = capabilities.workspace or {}
  capabilities.workspace.codeLens = { refreshSupport = M.config.code_lens and true or false }
  return capabilities
end

--- The client configuration for a buffer (also used by lsp/goescape.lua).
function M.client_config(root)
  local cmd, err = M.resolve_cmd()
  if not cmd then
    return nil, err
  end
  local settings = as_object(M.config.settings)
  local init_options = settings
  local all_settings = { goescape = settings }
  if M.gopls_path then
    -- Companion mode: initializationOptions are gopls's alone (gopls reports a key it does
    -- not know as an invalid setting); goescape reads its section of workspace/configuration.
    cmd = companion.command(cmd, M.gopls_path, M.config.gopls_args)
    init_options = as_object(M.config.gopls_settings)
    all_settings.gopls = init_options
  end
  local capabilities = M.capabilities()
  local cfg = vim.tbl_extend('force', {
    name = M.name,
    cmd = cmd,
    root_dir = root,
    init_options = init_options,
    settings = all_settings,
    capabilities = capabilities,
    handlers = handlers,
    on_attach = M.on_attach,
  }, M.config.client_config or {})
  if root then
    cfg.workspace_folders = { { uri = vim.uri_from_fname(root), name = root } }
  end
  return cfg
end

--- Companion mode for vim.lsp.config (Neovim 0.11+, lsp/goescape.lua): takes the options
--- setup() takes for it ({ gopls = true or PATH, gopls_args, gopls_settings, filetypes })
--- and returns the fields to give vim.lsp.config('goescape', ...): the command with
--- --gopls=PATH, gopls_settings as initializationOptions and as the "gopls" section of
--- settings. From then on a separate gopls is not started for the buffers goescape serves,
--- as with setup(). Without that gopls (or without goescape), one warning says so and the
--- result is empty: goescape runs beside gopls.
function M.companion_config(opts)
  opts = opts or {}
  if opts.gopls == false then
    return {}
  end
  if not companion.supported then
    notify('companion mode needs Neovim 0.10 or newer: goescape runs beside gopls', vim.log.levels.WARN)
    return {}
  end
  local path, problem = companion.find_gopls(opts.gopls == nil and true or opts.gopls)
  local cmd, err = M.resolve_cmd()
  if not (path and cmd) then
    notify(problem or err, vim.log.levels.WARN)
    return {}
  end
  M.gopls_path = path
  companion.activate(opts.filetypes or M.config.filetypes)
  local gopls_settings = as_object(opts.gopls_settings)
  return {
    cmd = companion.command(cmd, path, opts.gopls_args),
    init_options = gopls_settings,
    settings = { gopls = gopls_settings },
  }
end

local warned = false
local clients_by_root = {} -- 0.7-0.9 only

--- Starts (or reuses) the client for a buffer and attaches it.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if fname == '' or vim.bo[bufnr].buftype ~= '' then
    return
  end
  local root = M.root_dir(fname)
  local cfg, err = M.client_config(root)
  if not cfg then
    if not warned then
      warned = true
      notify(err, vim.log.levels.ERROR)
    end
    return
  end
  if has_start then
    local id = vim.lsp.start(cfg, { bufnr = bufnr })
    if id and M.gopls_path then
      companion.serve(bufnr)
    end
    return id
  end
  local id = clients_by_root[root]
  if not (id and vim.lsp.get_client_by_id(id)) then
    id = vim.lsp.start_client(cfg)
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

local function exec(bufnr, command, arguments, on_result)
  local clients = get_clients(bufnr)
  if #clients == 0 then
    notify('no goescape server is attached to this buffer', vim.log.levels.WARN)
    return
  end
  for _, client in ipairs(clients) do
    local params = { command = command, arguments = arguments }
    client_request(client, 'workspace/executeCommand', params, function(err, result)
      if err then
        notify(command .. ' failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      elseif on_result then
        on_result(result)
      end
    end, bufnr)
  end
end

--- Re-runs the analysis of the current buffer's package.
function M.analyze(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  exec(bufnr, 'goescape.analyze', { vim.uri_from_bufnr(bufnr) })
end

--- Turns the escape hints on or off (server side); `on` nil flips them.
function M.toggle(on, bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local args = {}
  if on ~= nil then
    args = { on and true or false }
  end
  exec(bufnr, 'goescape.toggle', args, function(result)
    if type(result) == 'table' and result.inlayHints ~= nil then
      M.hints_on = result.inlayHints
      for _, client in ipairs(get_clients()) do
        apply_virtual_text(client.id, M.hints_on and hints_enabled(bufnr))
      end
      notify('escape hints ' .. (result.inlayHints and 'on' or 'off'))
    end
  end)
end

--- Replaces (merges into) the server settings and sends them to running clients; the
--- server applies them at once.
function M.update_settings(settings)
  M.config.settings = vim.tbl_deep_extend('force', M.config.settings or {}, settings or {})
  if settings and settings.inlayHints ~= nil then
    M.hints_on = nil -- the setting speaks now, not the last toggle
  end
  local s = as_object(M.config.settings)
  for _, client in ipairs(get_clients()) do
    apply_virtual_text(client.id, server_hints_on() and hints_enabled(vim.api.nvim_get_current_buf()))
    -- What Neovim answers workspace/configuration with: client.settings on 0.10+,
    -- client.config.settings before. In companion mode the gopls section stays in it.
    local all = vim.tbl_extend('force', client.settings or client.config.settings or {}, { goescape = s })
    client.config.settings = all
    if client.settings ~= nil then
      client.settings = all
    end
    client_notify(client, 'workspace/didChangeConfiguration', { settings = all })
  end
end

--- A short text for statuslines: "goescape: analyzing", "goescape: 3 heap escapes", ...
function M.statusline(bufnr)
  local st = M.last_status
  if not st then
    return ''
  end
  if st.state == 'analyzing' then
    return 'goescape: analyzing'
  elseif st.state == 'failed' then
    return 'goescape: build failed'
  end
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local n = M.escapes[vim.api.nvim_buf_get_name(bufnr)] or 0
  return string.format('goescape: %d heap escape%s', n, n == 1 and '' or 's')
end

function M.create_commands()
  vim.api.nvim_create_user_command('GoescapeInstall', function(a)
    require('goescape.install').command(a.fargs)
  end, {
    nargs = '*',
    complete = 'file',
    desc = 'goescape: install the server from a release archive (URL or file) or build it from source',
  })
  vim.api.nvim_create_user_command('GoEscapeAnalyze', function()
    M.analyze(0)
  end, { desc = 'goescape: analyze the package of the current buffer now' })
  vim.api.nvim_create_user_command('GoEscapeToggle', function(a)
    local on = nil
    if a.args == 'on' then
      on = true
    elseif a.args == 'off' then
      on = false
    end
    M.toggle(on, 0)
  end, {
    nargs = '?',
    complete = function()
      return { 'on', 'off' }
    end,
    desc = 'goescape: toggle the escape hints (on|off)',
  })
end

local group

--- Configures goescape and starts it for Go buffers (including those already open).
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  if opts and opts.settings then
    M.config.settings = opts.settings
  end
  if opts and opts.gopls_settings then
    M.config.gopls_settings = opts.gopls_settings
  end
  warned = false
  M.create_commands()
  group = vim.api.nvim_create_augroup('goescape', { clear = true })
  M.gopls_path = nil
  companion.reset()
  if M.config.gopls then
    if not companion.supported then
      notify('gopls = true (companion mode) needs Neovim 0.10 or newer: goescape runs beside gopls',
        vim.log.levels.WARN)
    else
      local path, problem = companion.find_gopls(M.config.gopls)
      if path then
        M.gopls_path = path
        -- Without a goescape to start, a separate gopls is left alone.
        if M.resolve_cmd() then
          companion.activate(M.config.filetypes)
        end
      else
        notify(problem, vim.log.levels.WARN)
      end
    end
  end
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(M.config.filetypes, vim.bo[buf].filetype) then
      M.attach(buf)
    end
  end
end

return M
