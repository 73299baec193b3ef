-- Real-editor test of companion mode in Neovim 0.10: require('goescape').setup({ gopls = PATH })
-- with the real, pinned gopls inside goescape, in a user's config that also sets up gopls
-- with nvim-lspconfig (require('lspconfig').gopls.setup{}, before goescape's setup, and once
-- more after it).
--   run by tests/e2e/run.sh (nvim10-gopls): Neovim's terminal UI in a tmux pane
-- env: GOESCAPE_BIN, E2E_GOPLS (the pinned gopls), E2E_LSPCONFIG (optional: a checkout of
--   nvim-lspconfig; without it, the stand-in in lspconfig/, see its lspconfig.lua), and what
--   harness.lua reads
--
-- Asserted as the user meets it: over the whole session, while a first, a second and a
-- third Go file (in another package) are opened, no gopls client is started and no gopls
-- process runs but goescape's child (every client start, every LspAttach and the process
-- table are watched from the first moment); gopls still serves go.mod; a gopls client the
-- user starts by hand (vim.lsp.start) is detached and stopped; goescape's escape
-- diagnostics are in the buffer; gopls's completion and a definition jump work through the
-- one client, and so do its diagnostics (a type error, with virtual text while the escapes'
-- is hidden behind their hints); gopls's settings reach gopls (its parameter-name inlay hints are drawn beside
-- goescape's) and stay through a live change of goescape's settings; `K` typed into the terminal on a line with an escape opens exactly one float,
-- with gopls's signature and doc first and the escape section after, and leaves the cursor in
-- the source window; `K` on a line without an escape opens one float with gopls's part and
-- no "No information available"; no error or warning is shown. A gopls that cannot be found
-- is named in one warning, and goescape then runs without --gopls.
local DIR = debug.getinfo(1, 'S').source:sub(2):match('^(.*)/')
local H = dofile(DIR .. '/harness.lua')
local E, WAIT = H.E, H.WAIT
local log, check, wait_for = H.log, H.check, H.wait_for
local GOPLS = assert(os.getenv('E2E_GOPLS'), 'E2E_GOPLS')
local v = vim.version()
log(string.format('nvim %d.%d.%d, gopls %s', v.major, v.minor, v.patch, GOPLS))

-- Everything that happens to language clients and gopls processes over the whole session,
-- recorded from before any of them can start.
local seen = H.watch_session(true)

local goescape = require('goescape')
-- The heading of goescape's part of a hover (docs/lsp.md).
local ESCAPE_HEADING = '**goescape**'

-- The user's own gopls client, as a config without goescape would start it.
local function start_users_gopls(bufnr)
  return vim.lsp.start({ name = 'gopls', cmd = { GOPLS }, root_dir = E.module }, { bufnr = bufnr })
end

-- nvim-lspconfig's gopls, set up as its README says (the pinned gopls as its command).
local function setup_lspconfig_gopls()
  require('lspconfig').gopls.setup({ cmd = { GOPLS } })
end

local clients_of = H.clients_of

-- goescape is the buffer's one client, and no gopls client runs at all.
local function only_goescape(bufnr)
  local names = clients_of(bufnr)
  return #names == 1 and names[1] == 'goescape' and #vim.lsp.get_clients({ name = 'gopls' }) == 0
end

local function find_line(bufnr, text)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local col = l:find(text, 1, true)
    if col then
      return i - 1, col - 1
    end
  end
end

-- The labels of the inlay hints Neovim drew in the buffer (its inlay-hint namespace).
local function drawn_hint_labels(bufnr)
  local spaces = vim.api.nvim_get_namespaces()
  local ns = spaces['nvim.lsp.inlayhint'] or spaces['vim_lsp_inlayhint']
  local out = {}
  for _, m in ipairs(ns and vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true }) or {}) do
    local text = ''
    for _, chunk in ipairs(m[4].virt_text or {}) do
      text = text .. chunk[1]
    end
    table.insert(out, { line = m[2], text = text })
  end
  return out
end

local function hint_on_line(bufnr, line, label)
  for _, h in ipairs(drawn_hint_labels(bufnr)) do
    if h.line == line and h.text:find(label, 1, true) then
      return true
    end
  end
  return false
end

-- Types K at a position and waits for the float; waits a while longer, in which a second
-- answer (a second client's) would replace the float or move the cursor into it. Returns the
-- floats then open and whether the cursor stayed in the source window.
local function press_k(win, line, byte)
  H.close_floats()
  vim.api.nvim_set_current_win(win)
  vim.api.nvim_win_set_cursor(win, { line + 1, byte })
  H.send_keys('K')
  wait_for(10000, function()
    return #H.floats() > 0
  end)
  H.sleep(2000)
  return H.floats(), vim.api.nvim_get_current_win() == win
end

local function on_screen(text)
  for _, row in ipairs(H.screen()) do
    if row:find(text, 1, true) then
      return true
    end
  end
  return false
end

local function run(bufnr)
  local win = vim.api.nvim_get_current_win()
  -- 1. goescape serves the buffer alone, in companion mode, and its escapes are there
  wait_for(WAIT, function()
    return only_goescape(bufnr) and H.all_expected(bufnr)
  end)
  log('clients of the buffer: ' .. table.concat(clients_of(bufnr), ', '))
  check(only_goescape(bufnr), "goescape is the buffer's only client")
  local client = goescape.get_clients(bufnr)[1]
  if not client then
    return H.finish(1)
  end
  log('server command: ' .. table.concat(client.config.cmd, ' '))
  check(vim.tbl_contains(client.config.cmd, '--gopls=' .. GOPLS), 'goescape runs with --gopls=' .. GOPLS)
  H.dump_diags(bufnr)
  for _, e in ipairs(E.diagnostics) do
    check(H.has_diag(bufnr, e), H.diag_text(e))
  end
  if not H.all_expected(bufnr) then
    return H.finish(1)
  end

  -- 2. gopls's completion through the one client: fmt.Pr offers Println
  local line, col = find_line(bufnr, 'fmt.Println(counts)')
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    position = { line = line, character = col + #'fmt.Pr' },
  }
  local labels = {}
  for _, r in pairs(vim.lsp.buf_request_sync(bufnr, 'textDocument/completion', params, 15000) or {}) do
    local items = r.result and (r.result.items or r.result) or {}
    for _, item in ipairs(items) do
      table.insert(labels, item.label)
    end
  end
  log('completion at fmt.Pr: ' .. table.concat(labels, ' '):sub(1, 200))
  check(vim.tbl_contains(labels, 'Println'), 'completion of fmt.Pr offers Println')

  -- 3. a definition jump: Point in NewPoint's body goes to the type's declaration
  local decl = find_line(bufnr, 'type Point struct')
  local use_line, use_col = find_line(bufnr, 'return &Point{')
  vim.api.nvim_win_set_cursor(win, { use_line + 1, use_col + #'return &' })
  vim.lsp.buf.definition()
  check(wait_for(15000, function()
    return vim.api.nvim_win_get_cursor(win)[1] == decl + 1
  end), string.format('vim.lsp.buf.definition() on Point jumps to line %d (type Point struct)', decl + 1))

  -- 4. gopls_settings reach gopls: its parameter-name hints are drawn beside goescape's
  local sprintf = find_line(bufnr, 'fmt.Sprintf("item %d", id)')
  local heap = E.diagnostics[1]
  check(wait_for(WAIT, function()
    return hint_on_line(bufnr, sprintf, 'format:') and hint_on_line(bufnr, heap.hint.pos.line, heap.hint.label)
  end), string.format('gopls\'s hint "format:" drawn on line %d and goescape\'s "%s" on line %d', sprintf + 1,
    heap.hint.label, heap.hint.pos.line + 1))
  for _, h in ipairs(drawn_hint_labels(bufnr)) do
    log(string.format('  drawn hint on line %d: %q', h.line + 1, h.text))
  end

  -- 4b. a live change of goescape's settings reaches goescape through the relay, and
  -- gopls's settings stay what Neovim answers gopls's workspace/configuration with
  local off = E.setting_off
  local function count(cat)
    local c = 0
    for _, d in ipairs(H.goescape_diags(bufnr)) do
      if d._code == cat then
        c = c + 1
      end
    end
    return c
  end
  goescape.update_settings({ categories = { [off] = false } })
  check(wait_for(WAIT, function()
    return count(off) == 0
  end), 'update_settings: categories.' .. off .. ' = false removes the ' .. off .. ' diagnostics')
  local answer = vim.lsp.handlers['workspace/configuration'](nil, { items = { { section = 'gopls' } } },
    { client_id = client.id, method = 'workspace/configuration' })
  check(type(answer) == 'table' and vim.deep_equal(answer[1], { hints = { parameterNames = true } }),
    "after update_settings, gopls's workspace/configuration is still answered with gopls_settings: "
      .. vim.inspect(answer):gsub('%s+', ' '))
  goescape.update_settings({ categories = { [off] = true } })
  check(wait_for(WAIT, function()
    return H.all_expected(bufnr)
  end), 'categories.' .. off .. ' = true brings them back')

  -- 5. K on a line with an escape: one float, gopls's part then goescape's
  local floats, stayed = press_k(win, E.hover.line, E.hover.start.byte)
  local text = #floats > 0 and H.win_text(floats[1]) or ''
  log('float: ' .. text:gsub('\n', ' | '):sub(1, 500))
  check(#floats == 1, string.format('K at line %d opens exactly one float (%d)', E.hover.line + 1, #floats))
  local gopls_at = text:find('func make(', 1, true)
  local doc_at = text:find('The make built-in function', 1, true)
  local ours_at = text:find(ESCAPE_HEADING, 1, true)
  check(gopls_at and doc_at, "the float has gopls's part: make's signature and doc")
  check(H.hover_ok(text, E.hover), string.format('the float has the escape section: "%s" and a flow step', E.hover.cause))
  check(gopls_at and ours_at and gopls_at < ours_at, "gopls's part comes first, the escape section after it")
  check(stayed, 'the cursor stays in the source window')
  check(on_screen('func make(') and on_screen(E.hover.cause), 'the screen shows the float with both parts')

  -- 6. K on a line with no escape: one float with gopls's part alone, and no complaint
  floats, stayed = press_k(win, decl, #'type ')
  text = #floats > 0 and H.win_text(floats[1]) or ''
  log('float: ' .. text:gsub('\n', ' | '):sub(1, 300))
  check(#floats == 1, string.format('K at line %d opens exactly one float (%d)', decl + 1, #floats))
  check(text:find('type Point struct', 1, true) and not text:find(ESCAPE_HEADING, 1, true),
    "the float has gopls's part (type Point struct) and no escape section")
  check(stayed, 'the cursor stays in the source window')
  H.close_floats()

  -- 6b. gopls's own diagnostics come through the same client: a type error, with its virtual
  -- text on screen while goescape's findings (hints on) have none
  local n = vim.api.nvim_buf_line_count(bufnr)
  vim.api.nvim_buf_set_lines(bufnr, n, n, false, { 'var typeError int = "not an int"' })
  local function gopls_error()
    for _, d in ipairs(vim.diagnostic.get(bufnr, { lnum = n })) do
      if d.severity == vim.diagnostic.severity.ERROR and d.source ~= 'goescape' then
        return d
      end
    end
  end
  local terr = wait_for(WAIT, gopls_error)
  log('gopls diagnostic: ' .. (terr and string.format('[%s] %s', tostring(terr.source), terr.message) or 'none'))
  check(terr and vim.lsp.diagnostic.get_namespace(client.id) == terr.namespace,
    "gopls's type error is in the buffer, from goescape's client")
  check(terr and wait_for(10000, function()
    return H.screen_row(n):find(terr.message, 1, true) ~= nil
  end), "the type error's virtual text is on screen: " .. string.format('%q', H.screen_row(n)))
  local e1 = E.diagnostics[1]
  check(not H.screen_row(e1.line):find(e1.cause, 1, true),
    string.format('no virtual text for the escape on line %d (its hint says it)', e1.line + 1))
  vim.api.nvim_buf_set_lines(bufnr, n, n + 1, false, {})
  check(wait_for(WAIT, function()
    return gopls_error() == nil
  end), 'the type error goes when the line does')

  -- 6c. a second Go file, then nvim-lspconfig's gopls set up once more (now after goescape's
  -- setup), then a third Go file in another package: goescape serves each, and over the
  -- whole session no gopls client has started and no gopls process has run but goescape's
  local bufs = H.open_second_and_third(bufnr, setup_lspconfig_gopls)
  H.sleep(3000) -- a gopls client that was going to start would have by now
  for i, b in ipairs(bufs) do
    check(only_goescape(b), string.format("Go file %d: goescape is the only client (%s)", i,
      table.concat(clients_of(b), ', ')))
  end
  check(#vim.lsp.get_clients({ name = 'goescape' }) == 1, 'the three files share one goescape client')
  H.check_only_goescape_ran(seen)
  vim.cmd('buffer ' .. bufnr)

  -- 7. a gopls client that attaches later is detached and stopped too
  local late = start_users_gopls(bufnr)
  log('a second gopls client of the user: ' .. tostring(late))
  check(late ~= nil and wait_for(WAIT, function()
    return only_goescape(bufnr) and vim.lsp.get_client_by_id(late) == nil
  end), 'a gopls client started later is detached and stopped; goescape stays the only client')
  check(#H.goescape_diags(bufnr) >= #E.diagnostics, 'the escape diagnostics stay')
  check(wait_for(5000, function()
    return next(seen.gopls_pids) ~= nil
  end), 'the process watch saw that gopls, a child of Neovim: it would have seen one before')

  -- 7b. gopls still serves what goescape does not: go.mod gets nvim-lspconfig's gopls
  vim.cmd('edit ' .. vim.fn.fnameescape(E.module .. '/go.mod'))
  local gomod = vim.api.nvim_get_current_buf()
  check(wait_for(WAIT, function()
    return #vim.lsp.get_clients({ bufnr = gomod, name = 'gopls' }) == 1
  end), string.format('go.mod (filetype %s) gets a gopls client of its own', vim.bo[gomod].filetype))
  vim.cmd('buffer ' .. bufnr)

  local errs, messages = H.shown_errors()
  check(#errs == 0, 'no errors or warnings shown')
  check(not messages:find('No information available', 1, true), 'no "No information available" message')
  -- 8. a gopls that is not there: said once, and goescape runs without it
  local before = #H.notified
  vim.o.cmdheight = 4 -- the warning with the scratch path is longer than a row: no hit-enter prompt
  goescape.setup({ cmd = { os.getenv('GOESCAPE_BIN') }, gopls = E.module .. '/no-such-gopls' })
  local said = {}
  for i = before + 1, #H.notified do
    table.insert(said, H.notified[i])
  end
  check(#said == 1 and said[1].level == vim.log.levels.WARN and said[1].msg:find('no-such-gopls', 1, true),
    'gopls = a missing program: one warning that names it')
  local cfg = goescape.client_config(E.module)
  check(goescape.gopls_path == nil and not table.concat(cfg.cmd, ' '):find('--gopls', 1, true),
    'and goescape is configured without --gopls (plain mode)')

  local art = os.getenv('E2E_ARTIFACTS')
  if art then
    local f = io.open(art .. '/nvim-0.10-gopls-screen.txt', 'w')
    if f then
      f:write(table.concat(H.screen(), '\n'))
      f:close()
    end
  end
  H.finish(0)
end

vim.schedule(function()
  vim.cmd('filetype on')
  vim.opt.rtp:prepend(os.getenv('E2E_LSPCONFIG') or (DIR .. '/lspconfig'))
  setup_lspconfig_gopls()
  goescape.setup({
    cmd = { (assert(os.getenv('GOESCAPE_BIN'), 'GOESCAPE_BIN')) },
    gopls = GOPLS,
    gopls_settings = { hints = { parameterNames = true } },
  })
  vim.cmd('edit ' .. vim.fn.fnameescape(E.file))
  local bufnr = vim.api.nvim_get_current_buf()
  log('filetype: ' .. vim.bo[bufnr].filetype)
  H.start(run, bufnr)
end)
