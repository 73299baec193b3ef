-- Real-editor test of companion mode through vim.lsp.config / vim.lsp.enable (Neovim 0.11+):
-- lsp/goescape.lua with require('goescape').companion_config({ gopls = PATH }), in a user's
-- config that also enables gopls with a config as nvim-lspconfig's lsp/gopls.lua has it (a
-- root_dir that asks `go env GOMODCACHE` before it hands over the root). goescape runs from
-- PATH, as for a user; nothing else names it.
--   run by tests/e2e/run.sh (nvim-unstable-gopls): Neovim's terminal UI in a tmux pane
-- env: E2E_GOPLS (the pinned gopls), and what harness.lua reads
--
-- Asserted as the user meets it: goescape, with gopls inside it, is the only client of a
-- first, a second and a third Go file (another package), and over the whole session no
-- gopls client attaches and no gopls process runs as Neovim's child (LspAttach and the
-- process table, polled every 50 ms, are watched from the first moment); goescape's escape
-- diagnostics are in the first buffer and gopls's completion comes through goescape's
-- client; go.mod still gets the user's gopls; no error or warning is shown.
local DIR = debug.getinfo(1, 'S').source:sub(2):match('^(.*)/')
local H = dofile(DIR .. '/harness.lua')
local E, WAIT = H.E, H.WAIT
local log, check, wait_for = H.log, H.check, H.wait_for
local GOPLS = assert(os.getenv('E2E_GOPLS'), 'E2E_GOPLS')
local v = vim.version()
log(string.format('nvim %d.%d.%d, gopls %s', v.major, v.minor, v.patch, GOPLS))

-- Every LspAttach, and every gopls process whose parent is Neovim, over the whole session.
local seen = H.watch_session(false)
local clients_of = H.clients_of

local function only_goescape(bufnr)
  local names = clients_of(bufnr)
  return #names == 1 and names[1] == 'goescape'
end

local function run(bufnr)
  check(vim.fn.has('nvim-0.11') == 1, 'Neovim 0.11 or newer')
  wait_for(WAIT, function()
    return only_goescape(bufnr) and H.all_expected(bufnr)
  end)
  check(only_goescape(bufnr), "goescape is the first buffer's only client: " .. table.concat(clients_of(bufnr), ', '))
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = 'goescape' })[1]
  if not client then
    return H.finish(1)
  end
  log('server command: ' .. table.concat(client.config.cmd, ' '))
  check(vim.tbl_contains(client.config.cmd, '--gopls=' .. GOPLS), 'goescape runs with --gopls=' .. GOPLS)
  check(H.all_expected(bufnr), "goescape's escape diagnostics are in the buffer")

  -- gopls's completion through goescape's client: fmt.Pr offers Println
  local line, col
  for i, l in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local c = l:find('fmt.Println(counts)', 1, true)
    if c then
      line, col = i - 1, c - 1
    end
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = line, character = col + #'fmt.Pr' },
  }
  local labels = {}
  for _, r in pairs(vim.lsp.buf_request_sync(bufnr, 'textDocument/completion', params, 15000) or {}) do
    for _, item in ipairs(r.result and (r.result.items or r.result) or {}) do
      table.insert(labels, item.label)
    end
  end
  check(vim.tbl_contains(labels, 'Println'), 'completion of fmt.Pr offers Println, through goescape')

  -- a second Go file and a third one in another package
  local bufs = H.open_second_and_third(bufnr)
  H.sleep(3000) -- a gopls client that was going to start would have by now
  for i, b in ipairs(bufs) do
    check(only_goescape(b), string.format('Go file %d: goescape is the only client (%s)', i,
      table.concat(clients_of(b), ', ')))
  end
  H.check_only_goescape_ran(seen)

  -- go.mod is not goescape's: the user's gopls serves it, and the process watch sees it
  vim.cmd('edit ' .. vim.fn.fnameescape(E.module .. '/go.mod'))
  local gomod = vim.api.nvim_get_current_buf()
  check(wait_for(WAIT, function()
    return #vim.lsp.get_clients({ bufnr = gomod, name = 'gopls' }) == 1
  end), string.format('go.mod (filetype %s) gets the user\'s gopls', vim.bo[gomod].filetype))
  check(wait_for(5000, function()
    return next(seen.gopls_pids) ~= nil
  end), 'the process watch saw that gopls, a child of Neovim: it would have seen one before')

  local errs = H.shown_errors()
  check(#errs == 0, 'no errors or warnings shown: ' .. table.concat(errs, ' | '))
  H.finish(0)
end

vim.schedule(function()
  vim.cmd('filetype on')
  -- The user's gopls, as nvim-lspconfig's lsp/gopls.lua configures it.
  vim.lsp.config('gopls', {
    cmd = { GOPLS },
    filetypes = { 'go', 'gomod', 'gowork', 'gotmpl' },
    root_dir = function(bufnr, on_dir)
      local fname = vim.api.nvim_buf_get_name(bufnr)
      vim.system({ 'go', 'env', 'GOMODCACHE' }, { text = true }, function()
        on_dir(vim.fs.root(fname, { 'go.work', 'go.mod', '.git' }))
      end)
    end,
  })
  vim.lsp.config('goescape', require('goescape').companion_config({ gopls = GOPLS }))
  vim.lsp.enable({ 'goescape', 'gopls' })
  vim.cmd('edit ' .. vim.fn.fnameescape(E.file))
  local bufnr = vim.api.nvim_get_current_buf()
  log('filetype: ' .. vim.bo[bufnr].filetype)
  H.start(run, bufnr)
end)
