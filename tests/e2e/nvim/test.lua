-- Real-editor test of editors/nvim against the real goescape server and go.
--   nvim --headless -u tests/e2e/nvim/test.lua
-- env: GOESCAPE_BIN, E2E_EXPECT (resolved expectations, see lib/expect.py),
--      E2E_PLUGIN (editors/nvim), E2E_RESULT (file for the PASS/FAIL lines),
--      E2E_WAIT_MS (per-step limit, default 60000)
-- Neovim 0.10+: diagnostics, inlay hints, hover, :GoEscapeToggle, :GoEscapeAnalyze, a save
-- that re-analyzes, a live setting change. Neovim 0.7: diagnostics, hover, a save, no errors.
local RESULT = assert(os.getenv('E2E_RESULT'), 'E2E_RESULT')
local WAIT = tonumber(os.getenv('E2E_WAIT_MS') or '60000')
vim.opt.rtp:prepend(assert(os.getenv('E2E_PLUGIN'), 'E2E_PLUGIN'))
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'

local function read(p)
  local f = assert(io.open(p, 'r'))
  local s = f:read('*a')
  f:close()
  return s
end
local json_decode = vim.json and vim.json.decode or vim.fn.json_decode
local E = json_decode(read(assert(os.getenv('E2E_EXPECT'), 'E2E_EXPECT')))

local hrtime = (vim.uv or vim.loop).hrtime
local t0 = hrtime()
local lines, failures = {}, 0
local function ms()
  return (hrtime() - t0) / 1e6
end
local function log(s)
  table.insert(lines, string.format('[%6.0f ms] %s', ms(), s))
end
local function check(ok, what)
  log((ok and 'ok   ' or 'FAIL ') .. what)
  if not ok then
    failures = failures + 1
  end
  return ok
end
local function finish(code)
  log(string.format('%s: %d failure(s)', failures == 0 and code == 0 and 'PASS' or 'FAIL', failures))
  local f = io.open(RESULT, 'w')
  f:write(table.concat(lines, '\n') .. '\n')
  f:close()
  vim.cmd((failures == 0 and code == 0) and 'qa!' or 'cq!')
end

local v = vim.version()
local modern = vim.lsp.inlay_hint ~= nil
log(string.format('nvim %d.%d.%d, vim.lsp.start=%s, inlay hints=%s', v.major, v.minor, v.patch,
  tostring(vim.lsp.start ~= nil), tostring(modern)))

-- Errors shown to the user (vim.notify at ERROR/WARN, or :echoerr) fail the test.
local notified = {}
local orig_notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(notified, { msg = tostring(msg), level = level or vim.log.levels.INFO })
  log('notify(' .. tostring(level) .. '): ' .. tostring(msg))
  return orig_notify(msg, level, opts)
end

local goescape = require('goescape')
local status_count = 0
vim.api.nvim_create_autocmd('User', {
  pattern = 'GoEscapeStatus',
  callback = function()
    status_count = status_count + 1
  end,
})

local function goescape_diags(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == 'goescape' then
      local code = d.code
      if code == nil and d.user_data and d.user_data.lsp then
        code = d.user_data.lsp.code
      end
      table.insert(out, { lnum = d.lnum, col = d.col, code = code, message = d.message })
    end
  end
  return out
end

local function has_diag(bufnr, line, category)
  for _, d in ipairs(goescape_diags(bufnr)) do
    if d.lnum == line and d.code == category then
      return true
    end
  end
  return false
end

local function all_expected(bufnr)
  for _, e in ipairs(E.diagnostics) do
    if not has_diag(bufnr, e.line, e.category) then
      return false
    end
  end
  return true
end

local function dump_diags(bufnr)
  for _, d in ipairs(goescape_diags(bufnr)) do
    log(string.format('  diag line %d col %d [%s] %s', d.lnum + 1, d.col + 1, tostring(d.code), d.message))
  end
end

local function hints(bufnr)
  local out = {}
  for _, h in ipairs(vim.lsp.inlay_hint.get({ bufnr = bufnr })) do
    local label = h.inlay_hint.label
    if type(label) == 'table' then
      local parts = {}
      for _, p in ipairs(label) do
        table.insert(parts, p.value)
      end
      label = table.concat(parts)
    end
    table.insert(out, { line = h.inlay_hint.position.line, label = label })
  end
  return out
end

local function hint_at(bufnr, line)
  for _, h in ipairs(hints(bufnr)) do
    if h.line == line and h.label:find(E.hint_contains, 1, true) then
      return true
    end
  end
  return false
end

local function goescape_hints(bufnr)
  local n = 0
  for _, h in ipairs(hints(bufnr)) do
    if h.label:find(E.hint_contains, 1, true) then
      n = n + 1
    end
  end
  return n
end

local function run(bufnr)
  local clients = {}
  vim.wait(WAIT, function()
    clients = goescape.get_clients(bufnr)
    for _, m in ipairs(notified) do
      if m.level >= vim.log.levels.ERROR then
        return true -- e.g. "client quit with exit code 2": no point in waiting
      end
    end
    return #clients > 0
  end, 20)
  if not check(#clients == 1, 'one goescape client attached to the buffer') then
    return finish(1)
  end
  local client = clients[1]
  log('client root_dir: ' .. tostring(client.config.root_dir))
  check(client.config.root_dir == E.module, 'root dir is the module (go.mod) directory')

  -- 1. diagnostics: every expected category at its line
  local ok = vim.wait(WAIT, function()
    return all_expected(bufnr)
  end, 50)
  log(string.format('diagnostics after %.0f ms:', ms()))
  dump_diags(bufnr)
  for _, e in ipairs(E.diagnostics) do
    check(has_diag(bufnr, e.line, e.category), string.format('diagnostic [%s] at line %d (%s)', e.category, e.line + 1, e.text))
  end
  if not ok then
    return finish(1)
  end

  -- 2. hover through the client at the first expected finding, and vim.lsp.buf.hover()
  local hp = {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    position = { line = E.hover.line, character = E.hover.character },
  }
  local resp = client.request_sync('textDocument/hover', hp, 10000, bufnr)
  local contents = resp and resp.result and resp.result.contents
  local text = type(contents) == 'table' and (contents.value or vim.inspect(contents)) or tostring(contents)
  log('hover: ' .. text:gsub('\n', ' | '):sub(1, 300))
  check(text:find(E.hover.contains, 1, true) ~= nil, 'hover at line ' .. (E.hover.line + 1) .. ' mentions "' .. E.hover.contains .. '"')
  vim.api.nvim_win_set_cursor(0, { E.hover.line + 1, E.hover.character })
  vim.lsp.buf.hover()
  local float_text = ''
  vim.wait(5000, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(w).relative ~= '' then
        float_text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false), '\n')
        return true
      end
    end
    return false
  end, 50)
  check(float_text:find(E.hover.contains, 1, true) ~= nil, 'vim.lsp.buf.hover() opens a float that mentions "' .. E.hover.contains .. '"')
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then
      vim.api.nvim_win_close(w, true)
    end
  end

  if modern then
    -- 3. inlay hints (enabled by setup()) at the expected lines
    check(vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr }), 'inlay hints enabled by setup()')
    vim.wait(WAIT, function()
      for _, e in ipairs(E.diagnostics) do
        if e.hint and not hint_at(bufnr, e.line) then
          return false
        end
      end
      return true
    end, 50)
    for _, h in ipairs(hints(bufnr)) do
      log(string.format('  hint line %d: %s', h.line + 1, h.label))
    end
    for _, e in ipairs(E.diagnostics) do
      if e.hint then
        check(hint_at(bufnr, e.line), string.format('inlay hint "%s…" at line %d', E.hint_contains, e.line + 1))
      end
    end

    -- 4. user commands: :GoEscapeToggle off/on, :GoEscapeAnalyze
    vim.cmd('GoEscapeToggle off')
    check(vim.wait(15000, function()
      return goescape_hints(bufnr) == 0
    end, 50), ':GoEscapeToggle off removes the hints')
    vim.cmd('GoEscapeToggle on')
    check(vim.wait(15000, function()
      return goescape_hints(bufnr) > 0
    end, 50), ':GoEscapeToggle on brings them back')
    local before = status_count
    vim.cmd('GoEscapeAnalyze')
    check(vim.wait(WAIT, function()
      return status_count > before and goescape.last_status and goescape.last_status.state ~= 'analyzing'
    end, 50), ':GoEscapeAnalyze runs an analysis (goescape/status ' .. tostring(goescape.last_status and goescape.last_status.state) .. ')')
    check(all_expected(bufnr), 'findings unchanged after :GoEscapeAnalyze')
  end

  -- 5. a save re-analyzes: append a function with a new escape and :write
  local n = vim.api.nvim_buf_line_count(bufnr)
  local add = vim.split(E.save.append, '\n', { plain = true })
  if add[#add] == '' then
    table.remove(add)
  end
  vim.api.nvim_buf_set_lines(bufnr, n, n, false, add)
  vim.cmd('silent write')
  check(vim.wait(WAIT, function()
    return has_diag(bufnr, E.save.line, E.save.category)
  end, 50), string.format('after :write, diagnostic [%s] at the new line %d', E.save.category, E.save.line + 1))
  if modern then
    check(vim.wait(WAIT, function()
      return hint_at(bufnr, E.save.line)
    end, 50), string.format('after :write, an inlay hint at the new line %d', E.save.line + 1))
  end

  if modern then
    -- 6. a setting changes live: hide one category
    local off = E.setting_off
    goescape.update_settings({ categories = { [off] = false } })
    local function count(cat)
      local c = 0
      for _, d in ipairs(goescape_diags(bufnr)) do
        if d.code == cat then
          c = c + 1
        end
      end
      return c
    end
    check(vim.wait(WAIT, function()
      return count(off) == 0
    end, 50), 'categories.' .. off .. ' = false removes the ' .. off .. ' diagnostics')
    check(#goescape_diags(bufnr) > 0, 'other categories stay')
    goescape.update_settings({ categories = { [off] = true } })
    check(vim.wait(WAIT, function()
      return count(off) > 0
    end, 50), 'categories.' .. off .. ' = true brings them back')
  end

  -- nothing was reported to the user as an error or warning
  local errs = {}
  for _, m in ipairs(notified) do
    if m.level >= vim.log.levels.WARN then
      table.insert(errs, m.msg)
    end
  end
  local messages = vim.api.nvim_exec('messages', true)
  log('messages: ' .. messages:gsub('\n', ' | '))
  check(#errs == 0 and not messages:find('E%d+:') and not messages:lower():find('error'), 'no errors or warnings shown')
  finish(0)
end

vim.defer_fn(function()
  log('TIMEOUT')
  failures = failures + 1
  finish(2)
end, tonumber(os.getenv('E2E_TIMEOUT_MS') or '170000'))

vim.schedule(function()
  vim.cmd('filetype on')
  goescape.setup({ cmd = { (assert(os.getenv('GOESCAPE_BIN'), 'GOESCAPE_BIN')) } })
  vim.cmd('edit ' .. vim.fn.fnameescape(E.file))
  local bufnr = vim.api.nvim_get_current_buf()
  log('filetype: ' .. vim.bo[bufnr].filetype)
  vim.schedule(function()
    local ok, err = pcall(run, bufnr)
    if not ok then
      check(false, 'test raised: ' .. tostring(err))
      finish(1)
    end
  end)
end)
