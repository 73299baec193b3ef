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

-- ---- companion mode: what a session does with language clients (gopls.lua, enable.lua) ----

-- Records, from this call on, every LspAttach, every gopls process whose parent is Neovim
-- (polled every 50 ms) and, with wrap_start, every vim.lsp.start_client call (vim.lsp.start
-- goes through it on 0.10). Returns the record, which fills as the session goes.
function H.watch_session(wrap_start)
  local seen = { starts = {}, attaches = {}, gopls_pids = {}, wrapped = wrap_start }
  if wrap_start then
    local start_client = vim.lsp.start_client
    vim.lsp.start_client = function(config)
      table.insert(seen.starts, { name = config.name, at = H.ms() })
      return start_client(config)
    end
  end
  vim.api.nvim_create_autocmd('LspAttach', {
    callback = function(args)
      local c = vim.lsp.get_client_by_id(args.data.client_id)
      table.insert(seen.attaches, { name = c and c.name, buf = args.buf, at = H.ms() })
    end,
  })
  local nvim_pid = vim.fn.getpid()
  local uv = vim.uv or vim.loop
  uv.new_timer():start(0, 50, function()
    local dir = uv.fs_scandir('/proc')
    while dir do
      local name = uv.fs_scandir_next(dir)
      if not name then
        break
      end
      if name:match('^%d+$') then
        local f = io.open('/proc/' .. name .. '/stat', 'r')
        local stat = f and f:read('*l')
        if f then
          f:close()
        end
        local comm, ppid = (stat or ''):match('^%d+ %((.*)%) %S+ (%d+)')
        if comm == 'gopls' and tonumber(ppid) == nvim_pid then
          seen.gopls_pids[name] = true
        end
      end
    end
  end)
  return seen
end

-- The names of the buffer's clients, sorted.
function H.clients_of(bufnr)
  local names = {}
  for _, c in ipairs(vim.lsp.get_clients({ bufnr = bufnr })) do
    table.insert(names, c.name)
  end
  table.sort(names)
  return names
end

-- Opens escapes_test.go, then third/third.go (a package of its own, written here), calling
-- before_third() in between when given; checks that goescape attaches to each and reports
-- third.go's escape. Returns the three buffers, first_buf first.
function H.open_second_and_third(first_buf, before_third)
  local third_dir = H.E.module .. '/third'
  vim.fn.mkdir(third_dir, 'p')
  local third = third_dir .. '/third.go'
  vim.fn.writefile({ 'package third', '', 'func Leak() *int {', '\tx := 42', '\treturn &x', '}' }, third)
  local bufs = { first_buf }
  for i, file in ipairs({ H.E.module .. '/escapes_test.go', third }) do
    if i == 2 and before_third then
      before_third()
    end
    vim.cmd('edit ' .. vim.fn.fnameescape(file))
    local b = vim.api.nvim_get_current_buf()
    table.insert(bufs, b)
    H.check(H.wait_for(H.WAIT, function()
      return #vim.lsp.get_clients({ bufnr = b, name = 'goescape' }) == 1
    end), vim.fn.fnamemodify(file, ':t') .. ': goescape attaches')
  end
  H.check(H.wait_for(H.WAIT, function()
    for _, d in ipairs(H.goescape_diags(bufs[3])) do
      if d.lnum == 3 then
        return true
      end
    end
  end), "third.go: goescape's escape diagnostic on line 4 (x := 42)")
  return bufs
end

-- Over the whole session recorded in seen: no client but goescape started (when starts were
-- recorded) or attached, and no gopls process ran as Neovim's child.
function H.check_only_goescape_ran(seen)
  local function others(t, what)
    local out, n = {}, 0
    for _, e in ipairs(t) do
      table.insert(out, string.format('%s@%.0fms', tostring(e.name), e.at))
      if e.name ~= 'goescape' then
        n = n + 1
      end
    end
    H.log(what .. ' over the session: ' .. table.concat(out, ' '))
    return n
  end
  local starts = others(seen.starts, 'client starts')
  local attaches = others(seen.attaches, 'LspAttach events')
  if seen.wrapped then -- goescape's own start shows the wrapper sees starts at all
    H.check(starts == 0 and #seen.starts >= 1, string.format(
      'no client but goescape was started over the session (%d other of %d)', starts, #seen.starts))
  end
  H.check(attaches == 0, string.format('no LspAttach of any client but goescape (%d)', attaches))
  H.check(next(seen.gopls_pids) == nil, 'no gopls process ran as a child of Neovim: '
    .. table.concat(vim.tbl_keys(seen.gopls_pids), ' '))
end

return H
