-- Real-editor test of :GoescapeInstall (editors/nvim/lua/goescape/install.lua) in Neovim
-- 0.10, headless. Run by tests/e2e/nvim/install.sh, which serves a release archive over
-- HTTP on 127.0.0.1 and leaves no goescape on PATH.
-- env: E2E_PLUGIN, E2E_RESULT, E2E_WAIT_MS, E2E_BASE_URL, E2E_ARCHIVE_NAME,
--      E2E_LOCAL_ARCHIVE, E2E_ARCHIVE_SHA256
-- Asserted: an archive whose published SHA-256 does not match, or whose sha256= argument
-- does not match, or that has no sum at all, is refused with a message that says so and
-- installs nothing (as are a binary that does not match the archive's own SHA256SUMS, a
-- missing URL and a source directory that is no checkout); the archive
-- with the right published sum installs stdpath('data')/goescape/bin/goescape; a local file
-- with a given sum installs too; so does `:GoescapeInstall source` (make in this checkout);
-- setup() with no cmd then starts that binary and its
-- diagnostics appear in a Go buffer.
local RESULT = assert(os.getenv('E2E_RESULT'), 'E2E_RESULT')
local WAIT = tonumber(os.getenv('E2E_WAIT_MS') or '60000')
local BASE = assert(os.getenv('E2E_BASE_URL'), 'E2E_BASE_URL')
local NAME = assert(os.getenv('E2E_ARCHIVE_NAME'), 'E2E_ARCHIVE_NAME')
local LOCAL = assert(os.getenv('E2E_LOCAL_ARCHIVE'), 'E2E_LOCAL_ARCHIVE')
local SUM = assert(os.getenv('E2E_ARCHIVE_SHA256'), 'E2E_ARCHIVE_SHA256')
vim.opt.rtp:prepend(assert(os.getenv('E2E_PLUGIN'), 'E2E_PLUGIN'))
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'

local uv = vim.uv or vim.loop
local t0 = uv.hrtime()
local lines, failures = {}, 0
local function log(s)
  table.insert(lines, string.format('[%6.0f ms] %s', (uv.hrtime() - t0) / 1e6, s))
end
local function check(ok, what)
  log((ok and 'ok   ' or 'FAIL ') .. what)
  if not ok then
    failures = failures + 1
  end
  return ok
end
local function finish()
  log(string.format('%s: %d failure(s)', failures == 0 and 'PASS' or 'FAIL', failures))
  local f = io.open(RESULT, 'w')
  f:write(table.concat(lines, '\n') .. '\n')
  f:close()
  vim.cmd(failures == 0 and 'qa!' or 'cq!')
end

-- messages shown to the user
local shown = {}
local plain_notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(shown, { msg = msg, level = level or vim.log.levels.INFO })
  return plain_notify(msg, level, opts)
end

-- Runs :GoescapeInstall ARGS and waits for its end; returns the error (nil on success).
local function install(args, limit)
  local done, err = false, nil
  local id = vim.api.nvim_create_autocmd('User', {
    pattern = 'GoescapeInstalled',
    once = true,
    callback = function(ev)
      done, err = true, ev.data and ev.data.error
    end,
  })
  shown = {}
  vim.cmd('GoescapeInstall ' .. args)
  if not vim.wait(limit or WAIT, function()
    return done
  end, 50) then
    pcall(vim.api.nvim_del_autocmd, id)
    return 'timed out'
  end
  return err
end

local function last_error_shown()
  for i = #shown, 1, -1 do
    if shown[i].level == vim.log.levels.ERROR then
      return shown[i].msg
    end
  end
  return nil
end

local function installed_files()
  local dir = vim.fn.stdpath('data') .. '/goescape'
  return vim.fn.glob(dir .. '/**/*', true, true)
end

vim.schedule(function()
  local ok, err = xpcall(function()
    local bin = require('goescape.install').bin_path()
    log('install target: ' .. bin)
    check(vim.fn.exepath('goescape') == '', 'no goescape on PATH')
    check(#installed_files() == 0, 'nothing installed yet')

    local url = BASE .. '/bad/' .. NAME
    local e = install(url)
    local msg = last_error_shown() or ''
    log('bad published sum: ' .. msg)
    check(e ~= nil and e:find('SHA-256 mismatch', 1, true) ~= nil, 'a wrong published SHA-256 is refused')
    check(msg:find('install failed', 1, true) and msg:find('SHA-256 mismatch', 1, true) and msg:find('nothing was installed', 1, true),
      'the user is shown why, as an error')
    check(#installed_files() == 0, 'nothing was installed: ' .. vim.inspect(installed_files()))

    e = install(BASE .. '/good/' .. NAME .. ' sha256=' .. string.rep('0', 64))
    log('wrong sha256= argument: ' .. tostring(e))
    check(e ~= nil and e:find('SHA-256 mismatch', 1, true) ~= nil and e:find(string.rep('0', 64), 1, true) ~= nil,
      'a sha256= argument that does not match is refused')
    check(#installed_files() == 0, 'still nothing installed')

    e = install(BASE .. '/nosum/' .. NAME)
    log('no published sum: ' .. tostring(e))
    check(e ~= nil and e:find('no SHA-256', 1, true) ~= nil and e:find('sha256=', 1, true) ~= nil,
      'an archive with no sum given or published is refused, and the message says how to give one')
    e = install(BASE .. '/tampered/' .. NAME)
    log('tampered binary: ' .. tostring(e))
    check(e ~= nil and e:find('inside the archive', 1, true) ~= nil,
      "a binary that does not match the archive's own SHA256SUMS is refused")
    e = install(BASE .. '/missing/' .. NAME)
    log('missing archive: ' .. tostring(e))
    check(e ~= nil and e:find('download', 1, true) ~= nil, 'a URL that is not there fails with the download error')
    e = install('source ' .. vim.fn.tempname())
    log('source from a directory that is no checkout: ' .. tostring(e))
    check(e ~= nil and e:find('Makefile', 1, true) ~= nil, 'a source build from a directory that is no checkout is refused')
    check(#installed_files() == 0, 'still nothing installed')

    e = install(BASE .. '/good/' .. NAME)
    log('good archive: ' .. tostring(e) .. '; ' .. vim.inspect(shown[#shown] and shown[#shown].msg))
    check(e == nil, 'the archive with the right published SHA-256 installs')
    check(vim.fn.executable(bin) == 1, 'the binary is at ' .. bin)
    local v = vim.fn.system({ bin, '--version' })
    check(vim.v.shell_error == 0 and v:find('goescape', 1, true) ~= nil, 'it runs: ' .. vim.split(v, '\n')[1])

    e = install(vim.fn.fnameescape(LOCAL) .. ' sha256=' .. SUM:upper())
    check(e == nil, 'a local archive with its SHA-256 given installs: ' .. tostring(e))

    -- a build from the checkout this plugin is in (make; the build tree in stdpath('cache'))
    local before = uv.fs_stat(bin)
    e = install('source', 4 * WAIT) -- a compile of the whole server
    local after = uv.fs_stat(bin)
    log('source build: ' .. tostring(e) .. '; ' .. vim.inspect(shown[#shown] and shown[#shown].msg))
    check(e == nil and after ~= nil and before ~= nil and after.ino ~= before.ino,
      ':GoescapeInstall source builds with make and puts the result in place')
    check(vim.fn.executable(vim.fn.stdpath('cache') .. '/goescape-build/goescape') == 1,
      'the build tree is in stdpath("cache")')

    require('goescape').setup()
    vim.cmd('edit escapes.go')
    local buf = vim.api.nvim_get_current_buf()
    local got = vim.wait(WAIT, function()
      for _, d in ipairs(vim.diagnostic.get(buf)) do
        if d.source == 'goescape' then
          return true
        end
      end
      return false
    end, 100)
    local clients = require('goescape').get_clients(buf)
    local cmd = clients[1] and clients[1].config.cmd or {}
    check(cmd[1] == bin, 'the client runs the installed binary: ' .. tostring(cmd[1]))
    check(got, string.format('goescape diagnostics appear (%d)', #vim.diagnostic.get(buf)))
  end, debug.traceback)
  if not ok then
    check(false, 'error: ' .. tostring(err))
  end
  finish()
end)
