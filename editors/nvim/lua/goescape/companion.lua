-- Companion mode for Neovim 0.10+: goescape runs gopls inside it (`goescape --gopls=PATH`)
-- and is the one language client of the Go buffers it serves, so `K` opens one float with
-- gopls's hover and the escape section, and completion, definitions, rename and gopls's
-- diagnostics come through the same client. This module finds gopls, builds the command,
-- and keeps a separate gopls client (nvim-lspconfig's, vim.lsp.enable's or the user's own
-- vim.lsp.start) off those buffers: two clients would each answer `K`, and the second float
-- replaces the first.
local M = {}

-- Companion mode needs vim.lsp.start and the LspAttach event's client id (0.10 has both, and
-- is the oldest version it is tested on).
M.supported = vim.fn.has('nvim-0.10') == 1

-- 0.11 made client.stop a method (client:stop); the dot form is deprecated there.
local method_calls = vim.fn.has('nvim-0.11') == 1

-- Buffers a goescape client in companion mode was started for: a gopls client that attaches
-- to one of them is detached again.
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

--- Whether a client is a separate gopls: named gopls (nvim-lspconfig, vim.lsp.enable), or
--- started with a gopls command under another name.
function M.is_gopls(client)
  if client == nil or client.name == 'goescape' then
    return false
  end
  if client.name == 'gopls' then
    return true
  end
  local cmd = client.config and client.config.cmd
  return type(cmd) == 'table' and type(cmd[1]) == 'string' and vim.fn.fnamemodify(cmd[1], ':t') == 'gopls'
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

--- The LspAttach autocmd (in the given augroup) that detaches a gopls client attaching to a
--- served buffer later on.
function M.watch(group)
  vim.api.nvim_create_autocmd('LspAttach', {
    group = group,
    callback = function(args)
      local id = args.data and args.data.client_id
      if id and served[args.buf] and M.is_gopls(vim.lsp.get_client_by_id(id)) then
        detach(args.buf, id)
      end
    end,
  })
  vim.api.nvim_create_autocmd({ 'BufWipeout' }, {
    group = group,
    callback = function(args)
      served[args.buf] = nil
    end,
  })
end

--- Forgets every served buffer (setup() starts over).
function M.reset()
  served = {}
end

return M
