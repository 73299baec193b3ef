-- What the Neovim real-editor tests (test.lua, gopls.lua) share: the result file with its
-- ok/FAIL lines, waiting without blocking Neovim's main loop, the screen read back from
-- tmux, what vim.notify showed, and goescape's diagnostics checked against the resolved
-- expectations (lib/expect.py). Loaded with dofile by each test.
-- env: E2E_RESULT, E2E_EXPECT, E2E_PLUGIN, E2E_WAIT_MS, E2E_TMUX ("SOCKET TARGET")
local H = {}

H.RESULT = assert(os.getenv('E2E_RESULT'), 'E2E_RESULT')
H.WAIT = tonumber(os.getenv('E2E_WAIT_MS') or '60000')
H.TMUX = os.getenv('E2E_TMUX')
vim.opt.rtp:prepend(assert(os.getenv('E2E_PLUGIN'), 'E2E_PLUGIN'))
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.opt.more = false
vim.opt.shortmess:append('I')

local function read(p)
  local f = assert(io.open(p, 'r'))
  local s = f:read('*a')
  f:close()
  return s
end
local json_decode = vim.json and vim.json.decode or vim.fn.json_decode
H.E = json_decode(read(assert(os.getenv('E2E_EXPECT'), 'E2E_EXPECT')))

local uv = vim.uv or vim.loop
local t0 = uv.hrtime()
local lines = {}
H.failures = 0
function H.ms()
  return (uv.hrtime() - t0) / 1e6
end
function H.log(s)
  table.insert(lines, string.format('[%6.0f ms] %s', H.ms(), s))
end
function H.check(ok, what)
  H.log((ok and 'ok   ' or 'FAIL ') .. what)
  if not ok then
    H.failures = H.failures + 1
  end
  return ok
end
local finished = false
function H.finish(code)
  if finished then
    return
  end
  finished = true
  local passed = H.failures == 0 and code == 0
  H.log(string.format('%s: %d failure(s)', passed and 'PASS' or 'FAIL', H.failures))
  local f = io.open(H.RESULT, 'w')
  f:write(table.concat(lines, '\n') .. '\n')
  f:close()
  vim.cmd(passed and 'qa!' or 'cq!')
end

-- Everything vim.notify showed the user: { msg, level }.
H.notified = {}
local orig_notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(H.notified, { msg = tostring(msg), level = level or vim.log.levels.INFO })
  H.log('notify(' .. tostring(level) .. '): ' .. tostring(msg))
  return orig_notify(msg, level, opts)
end

-- Waiting without blocking: the test runs in a coroutine that yields to Neovim's main loop
-- between polls, so Neovim redraws (and reads typeahead) exactly as it does while a user
-- does nothing. (vim.wait would keep the loop busy, and nothing would be drawn until it
-- returns.)
function H.sleep(n)
  local co = coroutine.running()
  vim.defer_fn(function()
    local ok, err = coroutine.resume(co)
    if not ok then
      H.check(false, 'test raised: ' .. tostring(err))
      H.finish(1)
    end
  end, n)
  coroutine.yield()
end
function H.wait_for(limit, cond)
  local deadline = H.ms() + limit
  while true do
    local r = cond()
    if r or H.ms() > deadline then
      return r
    end
    H.sleep(50)
  end
end

local function tmux(args)
  local sock, target = H.TMUX:match('^(%S+) (%S+)$')
  local cmd = { 'tmux', '-S', sock }
  for _, a in ipairs(args) do
    table.insert(cmd, (a:gsub('%%TARGET', target)))
  end
  return vim.fn.system(cmd)
end

-- The screen as the terminal shows it (tmux capture-pane), one string per row.
function H.screen()
  if not H.TMUX then
    return {}
  end
  return vim.split(tmux({ 'capture-pane', '-p', '-t', '%TARGET' }), '\n', { plain = true })
end
function H.screen_row(row) -- buffer line (0-based), with the window at the top
  return H.screen()[row + 1 - (vim.fn.line('w0') - 1)] or ''
end

-- Types keys into the terminal, as a user does (tmux send-keys); Neovim reads them when the
-- test next yields to its main loop.
function H.send_keys(keys)
  tmux({ 'send-keys', '-t', '%TARGET', keys })
end

-- goescape's diagnostics in a buffer, each with _code (the LSP code: the category).
function H.goescape_diags(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == 'goescape' then
      local code = d.code
      if code == nil and d.user_data and d.user_data.lsp then
        code = d.user_data.lsp.code
      end
      table.insert(out, d)
      d._code = code
    end
  end
  return out
end

-- A diagnostic matches when its range (start and end, Neovim's byte columns) and its
-- message are the expected ones.
function H.has_diag(bufnr, e)
  for _, d in ipairs(H.goescape_diags(bufnr)) do
    if d.lnum == e.start.line and d.col == e.start.byte and d.end_lnum == e['end'].line
      and d.end_col == e['end'].byte and d.message == e.message and d._code == e.category then
      return true
    end
  end
  return false
end

function H.all_expected(bufnr)
  for _, e in ipairs(H.E.diagnostics) do
    if not H.has_diag(bufnr, e) then
      return false
    end
  end
  return true
end

function H.dump_diags(bufnr)
  for _, d in ipairs(H.goescape_diags(bufnr)) do
    H.log(string.format('  diag %d:%d-%d:%d [%s] %s', d.lnum, d.col, d.end_lnum or -1, d.end_col or -1,
      tostring(d._code), d.message))
  end
end

function H.diag_text(e)
  return string.format('diagnostic %d:%d-%d:%d [%s] "%s"', e.start.line, e.start.byte, e['end'].line,
    e['end'].byte, e.category, e.message)
end

-- A hover text has goescape's part for a finding: its cause and one of its flow steps.
function H.hover_ok(text, h)
  if not text:find(h.cause, 1, true) then
    return false
  end
  for _, step in ipairs(h.flow) do
    if text:find(step.text, 1, true) and text:find(step.ref, 1, true) then
      return true
    end
  end
  return false
end

-- The floating windows open now.
function H.floats()
  local out = {}
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then
      table.insert(out, w)
    end
  end
  return out
end
function H.win_text(w)
  return table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false), '\n')
end
function H.close_floats()
  for _, w in ipairs(H.floats()) do
    vim.api.nvim_win_close(w, true)
  end
end

-- Warnings and errors shown (vim.notify at WARN or above, :messages with an error).
function H.shown_errors()
  local errs = {}
  for _, m in ipairs(H.notified) do
    if m.level >= vim.log.levels.WARN then
      table.insert(errs, m.msg)
    end
  end
  local messages = vim.api.nvim_exec('messages', true)
  H.log('messages: ' .. messages:gsub('\n', ' | '))
  -- vim.deprecate() echoes its warning without vim.notify
  if messages:find('E%d+:') or messages:lower():find('error') or messages:find('deprecated') then
    table.insert(errs, messages)
  end
  return errs, messages
end

-- Runs fn(...) in the test's coroutine after Neovim has started, with the overall limit.
function H.start(fn, ...)
  local args = { ... }
  vim.defer_fn(function()
    H.log('TIMEOUT')
    H.failures = H.failures + 1
    H.finish(2)
  end, tonumber(os.getenv('E2E_TIMEOUT_MS') or '170000'))
  local co = coroutine.create(fn)
  local ok, err = coroutine.resume(co, unpack(args))
  if not ok then
    H.check(false, 'test raised: ' .. tostring(err))
    H.finish(1)
  end
end

return H
