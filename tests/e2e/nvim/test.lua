-- Real-editor test of editors/nvim against the real goescape server and go.
--   run by tests/e2e/nvim/run.sh: Neovim with its terminal UI in a tmux pane
-- env: GOESCAPE_BIN, E2E_EXPECT (resolved expectations, see lib/expect.py),
--      E2E_PLUGIN (editors/nvim), E2E_RESULT (file for the PASS/FAIL lines),
--      E2E_WAIT_MS (per-step limit, default 60000), E2E_TMUX (tmux socket and target pane)
--
-- What is asserted is what the user sees: the inlay hints must be in the extmarks Neovim's
-- own drawing made in the window, and on the screen captured from tmux, after the first
-- analysis, after a toggle and after a save. The test never sends a key or :redraw; every
-- wait returns to Neovim's main loop, which draws as it does for a user who is idle.
-- Neovim 0.10+: diagnostics (range and message), hover (cause and a flow step), inlay hints
-- drawn, no diagnostic virtual text beside them, code lenses drawn, :GoEscapeToggle,
-- :GoEscapeAnalyze, a save, a live setting change, a quick fix applied. Neovim 0.7: diagnostics, hover, code
-- lenses, diagnostic virtual text (its only inline display), a save, no errors.
local H = dofile(debug.getinfo(1, 'S').source:sub(2):match('^(.*)/') .. '/harness.lua')
local E, WAIT, TMUX = H.E, H.WAIT, H.TMUX
local log, check, finish, wait_for = H.log, H.check, H.finish, H.wait_for
local ms, screen, screen_row, notified = H.ms, H.screen, H.screen_row, H.notified
local goescape_diags, has_diag, all_expected = H.goescape_diags, H.has_diag, H.all_expected
local dump_diags, diag_text, hover_ok = H.dump_diags, H.diag_text, H.hover_ok

local v = vim.version()
local modern = vim.lsp.inlay_hint ~= nil
local at_least_010 = v.major > 0 or v.minor >= 10
log(string.format('nvim %d.%d.%d, vim.lsp.start=%s, inlay hints=%s', v.major, v.minor, v.patch,
  tostring(vim.lsp.start ~= nil), tostring(modern)))

local goescape = require('goescape')
local status_count = 0
vim.api.nvim_create_autocmd('User', {
  pattern = 'GoEscapeStatus',
  callback = function()
    status_count = status_count + 1
  end,
})

-- The statusline names as many heap escapes as the buffer shows goescape diagnostics.
local function statusline_counts_diags(bufnr)
  local n = #goescape_diags(bufnr)
  return goescape.statusline(bufnr) == string.format('goescape: %d heap escape%s', n, n == 1 and '' or 's')
end

local function check_statusline(bufnr, when)
  check(wait_for(WAIT, function()
    return statusline_counts_diags(bufnr)
  end), string.format('%s, the statusline "%s" counts the %d goescape diagnostics', when,
    goescape.statusline(bufnr), #goescape_diags(bufnr)))
end

-- The extmarks of Neovim's inlay-hint namespace: what its decoration provider drew.
local function hint_ns()
  local spaces = vim.api.nvim_get_namespaces()
  return spaces['nvim.lsp.inlayhint'] or spaces['vim_lsp_inlayhint']
end
local function drawn_hints(bufnr)
  local out = {}
  local ns = hint_ns()
  if not ns then
    return out
  end
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })) do
    local text = ''
    for _, chunk in ipairs(m[4].virt_text or {}) do
      text = text .. chunk[1]
    end
    table.insert(out, { line = m[2], col = m[3], text = text })
  end
  return out
end

-- The row a hint is on, as the screen must show it: the line's text up to the hint, then
-- the label (after its padding).
local function hint_on_screen_text(e, bufnr)
  local line = vim.api.nvim_buf_get_lines(bufnr, e.hint.pos.line, e.hint.pos.line + 1, false)[1] or ''
  local before = line:sub(1, e.hint.pos.byte):gsub('^%s+', '')
  return before .. ' ' .. e.hint.label
end

local function hint_drawn(bufnr, e)
  local extmark = false
  for _, h in ipairs(drawn_hints(bufnr)) do
    if h.line == e.hint.pos.line and h.col == e.hint.pos.byte and h.text:find(e.hint.label, 1, true) then
      extmark = true
    end
  end
  local row = screen_row(e.hint.pos.line)
  return extmark and row:find(hint_on_screen_text(e, bufnr), 1, true) ~= nil
end

local function expected_hints()
  local out = {}
  for _, e in ipairs(E.diagnostics) do
    if e.hint then
      table.insert(out, e)
    end
  end
  return out
end

local function all_hints_drawn(bufnr, list)
  for _, e in ipairs(list) do
    if not hint_drawn(bufnr, e) then
      return false
    end
  end
  return true
end

local function any_hint_drawn(bufnr)
  for _, h in ipairs(drawn_hints(bufnr)) do
    if h.text:find(E.hint_contains, 1, true) then
      return true
    end
  end
  for _, e in ipairs(expected_hints()) do
    if screen_row(e.hint.pos.line):find(hint_on_screen_text(e, bufnr), 1, true) then
      return true
    end
  end
  return false
end

local function dump_drawn(bufnr, list)
  for _, h in ipairs(drawn_hints(bufnr)) do
    log(string.format('  drawn hint %d:%d %q', h.line, h.col, h.text))
  end
  for _, e in ipairs(list) do
    log(string.format('  screen row of line %d: %q', e.hint.pos.line + 1, screen_row(e.hint.pos.line)))
  end
end

local function run(bufnr)
  local clients = {}
  wait_for(WAIT, function()
    clients = goescape.get_clients(bufnr)
    for _, m in ipairs(notified) do
      if m.level >= vim.log.levels.ERROR then
        return true -- e.g. "client quit with exit code 2": no point in waiting
      end
    end
    return #clients > 0
  end)
  if not check(#clients == 1, 'one goescape client attached to the buffer') then
    return finish(1)
  end
  local client = clients[1]
  log('client root_dir: ' .. tostring(client.config.root_dir))
  check(client.config.root_dir == E.module, 'root dir is the module (go.mod) directory')
  check(#vim.api.nvim_list_uis() > 0 and TMUX ~= nil, 'a UI is attached (the terminal UI in tmux)')
  if at_least_010 then
    check(modern, 'Neovim 0.10+ has vim.lsp.inlay_hint')
  end

  -- 1. diagnostics: every expected range and message
  local ok = wait_for(WAIT, function()
    return all_expected(bufnr)
  end)
  log(string.format('diagnostics after %.0f ms:', ms()))
  dump_diags(bufnr)
  for _, e in ipairs(E.diagnostics) do
    check(has_diag(bufnr, e), diag_text(e))
  end
  if not ok then
    return finish(1)
  end

  -- 2. hover through the client at the first expected finding, and vim.lsp.buf.hover()
  local hp = {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    position = { line = E.hover.start.line, character = E.hover.start.u16 },
  }
  local resp = client.request_sync('textDocument/hover', hp, 10000, bufnr)
  local contents = resp and resp.result and resp.result.contents
  local text = type(contents) == 'table' and (contents.value or vim.inspect(contents)) or tostring(contents)
  log('hover: ' .. text:gsub('\n', ' | '):sub(1, 400))
  local what = string.format('the cause "%s" and a flow step', E.hover.cause)
  check(hover_ok(text, E.hover), 'hover at line ' .. (E.hover.line + 1) .. ' has ' .. what)
  vim.api.nvim_win_set_cursor(0, { E.hover.line + 1, E.hover.start.byte })
  vim.lsp.buf.hover()
  local float_text = ''
  wait_for(5000, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(w).relative ~= '' then
        float_text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false), '\n')
        return true
      end
    end
    return false
  end)
  check(hover_ok(float_text, E.hover), 'vim.lsp.buf.hover() opens a float with ' .. what)
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then
      vim.api.nvim_win_close(w, true)
    end
  end
  vim.api.nvim_win_set_cursor(0, { 1, 0 })

  -- 3. code lenses, drawn above or beside each function with escapes
  local lens_line
  for i, l in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if l:find('^func NewIndex%(') then
      lens_line = i - 1
    end
  end
  local lens_text = '1 heap escape: 1 map'
  local lens = wait_for(WAIT, function()
    local row = lens_line and screen_row(lens_line) or ''
    return row:find(lens_text, 1, true) and row
  end)
  log('screen row of func NewIndex: ' .. string.format('%q', lens_line and screen_row(lens_line) or '?'))
  check(lens, 'code lens "' .. lens_text .. '" drawn on the row of func NewIndex')

  if modern then
    -- 4. inlay hints (enabled by setup()) drawn where expected, with no keystroke
    local want = expected_hints()
    check(vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr }), 'inlay hints enabled by setup()')
    check(hint_ns() ~= nil, "Neovim's inlay-hint namespace exists")
    wait_for(WAIT, function()
      return all_hints_drawn(bufnr, want)
    end)
    dump_drawn(bufnr, want)
    for _, e in ipairs(want) do
      check(hint_drawn(bufnr, e), string.format('inlay hint "%s" drawn at %d:%d: extmark and screen "%s"',
        e.hint.label, e.hint.pos.line, e.hint.pos.byte, hint_on_screen_text(e, bufnr)))
    end
    -- the diagnostic's message is not drawn a second time beside the hint
    for _, e in ipairs(want) do
      local row = screen_row(e.line)
      check(not row:find(e.cause, 1, true), string.format('no diagnostic virtual text on line %d', e.line + 1))
    end

    -- 5. user commands: :GoEscapeToggle off/on, :GoEscapeAnalyze
    vim.cmd('GoEscapeToggle off')
    check(wait_for(15000, function()
      return not any_hint_drawn(bufnr)
    end), ':GoEscapeToggle off: no hint drawn (extmarks and screen)')
    dump_drawn(bufnr, want)
    -- with the hints off, the diagnostics' virtual text is the inline display again
    check(wait_for(5000, function()
      return screen_row(want[1].line):find(want[1].message, 1, true)
    end), string.format('with the hints off, diagnostic virtual text on line %d', want[1].line + 1))
    vim.cmd('GoEscapeToggle on')
    check(wait_for(15000, function()
      return all_hints_drawn(bufnr, want)
    end), ':GoEscapeToggle on: every hint drawn again (extmarks and screen)')
    local before = status_count
    vim.cmd('GoEscapeAnalyze')
    check(wait_for(WAIT, function()
      return status_count > before and goescape.last_status and goescape.last_status.state ~= 'analyzing'
    end), ':GoEscapeAnalyze runs an analysis (goescape/status ' .. tostring(goescape.last_status and goescape.last_status.state) .. ')')
    check(all_expected(bufnr), 'findings unchanged after :GoEscapeAnalyze')
  else
    -- 0.7-0.9 have no inlay hints: the diagnostic's virtual text is the inline display
    local e = E.diagnostics[1]
    check(wait_for(10000, function()
      return screen_row(e.line):find(e.message, 1, true)
    end), string.format('diagnostic virtual text on line %d: "%s"', e.line + 1, e.message))
  end

  -- 6. a save re-analyzes: append a function with a new escape and :write
  local n = vim.api.nvim_buf_line_count(bufnr)
  local add = vim.split(E.save.append, '\n', { plain = true })
  if add[#add] == '' then
    table.remove(add)
  end
  vim.api.nvim_buf_set_lines(bufnr, n, n, false, add)
  vim.cmd('silent write')
  check(wait_for(WAIT, function()
    return has_diag(bufnr, E.save)
  end), 'after :write, ' .. diag_text(E.save))
  check_statusline(bufnr, 'after :write')
  if modern then
    check(wait_for(WAIT, function()
      return hint_drawn(bufnr, E.save)
    end), string.format('after :write, inlay hint "%s" drawn at the new line %d (extmark and screen)',
      E.save.hint.label, E.save.line + 1))
    dump_drawn(bufnr, { E.save })
  end

  if modern then
    -- 7. a setting changes live: hide one category
    local off = E.setting_off
    goescape.update_settings({ categories = { [off] = false } })
    local function count(cat)
      local c = 0
      for _, d in ipairs(goescape_diags(bufnr)) do
        if d._code == cat then
          c = c + 1
        end
      end
      return c
    end
    check(wait_for(WAIT, function()
      return count(off) == 0
    end), 'categories.' .. off .. ' = false removes the ' .. off .. ' diagnostics')
    check(#goescape_diags(bufnr) > 0, 'other categories stay')
    check_statusline(bufnr, 'with ' .. off .. ' off')
    goescape.update_settings({ categories = { [off] = true } })
    check(wait_for(WAIT, function()
      return count(off) > 0
    end), 'categories.' .. off .. ' = true brings them back')
  end

  if modern then
    -- 8. a quick fix applied through the client's own code action menu, filtered to one
    local e = E.diagnostics[1]
    local before = vim.api.nvim_buf_get_lines(bufnr, e.line, e.line + 1, false)[1]
    local indent = before:match('^%s*')
    vim.api.nvim_win_set_cursor(0, { e.line + 1, 0 })
    vim.lsp.buf.code_action({
      apply = true,
      filter = function(a)
        return a.title == 'Ignore this escape'
      end,
    })
    check(wait_for(WAIT, function()
      local got = vim.api.nvim_buf_get_lines(bufnr, e.line, e.line + 2, false)
      return got[1] == indent .. '//goescape:ignore' and got[2] == before
    end), string.format('"Ignore this escape" inserts %q above line %d', indent .. '//goescape:ignore', e.line + 1))
    log('line now: ' .. tostring(vim.api.nvim_buf_get_lines(bufnr, e.line, e.line + 1, false)[1]))
  end

  -- nothing was reported to the user as an error or warning
  check(#H.shown_errors() == 0, 'no errors or warnings shown')
  local art = os.getenv('E2E_ARTIFACTS')
  if art and TMUX then
    local f = io.open(art .. '/nvim-' .. v.major .. '.' .. v.minor .. '-screen.txt', 'w')
    if f then
      f:write(table.concat(screen(), '\n'))
      f:close()
    end
  end
  finish(0)
end

vim.schedule(function()
  vim.cmd('filetype on')
  goescape.setup({ cmd = { (assert(os.getenv('GOESCAPE_BIN'), 'GOESCAPE_BIN')) } })
  vim.cmd('edit ' .. vim.fn.fnameescape(E.file))
  local bufnr = vim.api.nvim_get_current_buf()
  log('filetype: ' .. vim.bo[bufnr].filetype)
  H.start(run, bufnr)
end)
