-- :GoescapeInstall — puts a goescape binary at stdpath('data')/goescape/bin/goescape, where
-- require('goescape') finds it when there is no `cmd` setting and no goescape on PATH.
--
--   :GoescapeInstall URL-or-FILE [sha256=HEX]   from a release archive (.tar.gz)
--   :GoescapeInstall source [DIR]               build with `make` from a checkout
--   :GoescapeInstall                            build from the checkout this plugin is in
--
-- An archive is installed only after its SHA-256 matched: the one given, else the line for
-- the archive in the SHA256SUMS file (or ARCHIVE.sha256) published beside it. The archive
-- may put the binary anywhere below its top directory. Every child runs from an argument
-- vector (curl or wget, sha256sum or shasum, tar, make), never through a shell, and the
-- binary is moved into place only when all steps passed, so a failed install leaves
-- nothing behind.
local M = {}

local uv = vim.uv or vim.loop

-- A release archive is a couple of MB; the cap keeps a wrong URL from filling the disk.
local MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024
-- A sums file lists a handful of archives.
local MAX_SUMS_BYTES = 64 * 1024

--- The directory the binary is installed into.
function M.bin_dir()
  return vim.fn.stdpath('data') .. '/goescape/bin'
end

--- The installed binary's path (it may not exist).
function M.bin_path()
  return M.bin_dir() .. '/goescape'
end

-- Runs argv; calls done(code, stdout, stderr) on the main loop.
local function run(argv, opts, done)
  if vim.system then
    local ok, err = pcall(vim.system, argv, { cwd = opts.cwd, text = true }, function(r)
      vim.schedule(function()
        done(r.code, r.stdout or '', r.stderr or '')
      end)
    end)
    if not ok then
      vim.schedule(function()
        done(-1, '', tostring(err))
      end)
    end
    return
  end
  local out, errs = {}, {}
  local id = vim.fn.jobstart(argv, {
    cwd = opts.cwd,
    stdout_buffered = true,
    stderr_buffered = true,
    on_stdout = function(_, d)
      out = d
    end,
    on_stderr = function(_, d)
      errs = d
    end,
    on_exit = function(_, code)
      done(code, table.concat(out, '\n'), table.concat(errs, '\n'))
    end,
  })
  if id <= 0 then
    vim.schedule(function()
      done(-1, '', 'cannot run ' .. argv[1])
    end)
  end
end

local function is_url(s)
  return s:match('^https?://') ~= nil or s:match('^file://') ~= nil
end

local function basename(s)
  return (s:gsub('[?#].*$', ''):gsub('/+$', ''):match('[^/]+$')) or s
end

local function dirname_of(s)
  return (s:gsub('[?#].*$', ''):gsub('/[^/]*$', ''))
end

local function exists(p)
  return uv.fs_stat(p) ~= nil
end

local function read_file(p, cap)
  local fd = uv.fs_open(p, 'r', 438)
  if not fd then
    return nil
  end
  local data = uv.fs_read(fd, cap, 0)
  uv.fs_close(fd)
  return data
end

local function rm_rf(p)
  if vim.fn.delete(p, 'rf') ~= 0 and exists(p) then
    vim.notify('goescape: could not remove ' .. p, vim.log.levels.WARN)
  end
end

-- Downloads url to dest with curl or wget: done(err).
local function download(url, dest, done)
  local argv
  if vim.fn.executable('curl') == 1 then
    argv = { 'curl', '-fsSL', '--max-filesize', tostring(MAX_DOWNLOAD_BYTES), '-o', dest, url }
  elseif vim.fn.executable('wget') == 1 then
    argv = { 'wget', '-q', '-O', dest, url }
  else
    return done('neither curl nor wget is installed')
  end
  run(argv, {}, function(code, _, stderr)
    if code ~= 0 then
      return done(string.format('download of %s failed (%s exit %d): %s', url, argv[1], code, vim.trim(stderr)))
    end
    local st = uv.fs_stat(dest)
    if not st or st.size > MAX_DOWNLOAD_BYTES then
      return done('download of ' .. url .. ' is missing or larger than the limit')
    end
    done(nil)
  end)
end

-- Copies a local file or downloads a URL: done(err).
local function fetch(src, dest, done)
  if src:match('^file://') then
    src = vim.uri_to_fname(src)
  end
  if is_url(src) then
    return download(src, dest, done)
  end
  if not exists(src) then
    return done('no such file: ' .. src)
  end
  local ok, err = uv.fs_copyfile(src, dest)
  if not ok then
    return done('cannot copy ' .. src .. ': ' .. tostring(err))
  end
  done(nil)
end

-- SHA-256 of a file as lowercase hex: done(err, hex).
local function sha256_of(file, done)
  local argv
  if vim.fn.executable('sha256sum') == 1 then
    argv = { 'sha256sum', '--', file }
  elseif vim.fn.executable('shasum') == 1 then
    argv = { 'shasum', '-a', '256', '--', file }
  else
    return done('neither sha256sum nor shasum is installed')
  end
  run(argv, {}, function(code, stdout, stderr)
    local hex = stdout:match('^(%x+)')
    if code ~= 0 or not hex or #hex ~= 64 then
      return done(string.format('%s failed (exit %d): %s', argv[1], code, vim.trim(stderr)))
    end
    done(nil, hex:lower())
  end)
end

-- The sum for name in a sums file ("HEX  NAME" or "HEX *NAME" lines, or a bare HEX).
local function sum_from(text, name)
  for line in text:gmatch('[^\r\n]+') do
    local hex, file = line:match('^(%x+)%s+%*?(.-)%s*$')
    if hex and #hex == 64 and (file == name or basename(file) == name) then
      return hex:lower()
    end
    local bare = line:match('^%s*(%x+)%s*$')
    if bare and #bare == 64 then
      return bare:lower()
    end
  end
  return nil
end

-- The published sum of an archive: SHA256SUMS beside it, else ARCHIVE.sha256: done(hex, where).
local function published_sum(archive, tmp, done)
  local name = basename(archive)
  local candidates = { dirname_of(archive) .. '/SHA256SUMS', archive .. '.sha256' }
  local i = 0
  local function next_candidate()
    i = i + 1
    local c = candidates[i]
    if not c then
      return done(nil)
    end
    local dest = tmp .. '/sums-' .. i
    fetch(c, dest, function(err)
      local text = not err and read_file(dest, MAX_SUMS_BYTES) or nil
      local hex = text and sum_from(text, name)
      if hex then
        return done(hex, c)
      end
      next_candidate()
    end)
  end
  next_candidate()
end

-- Moves the built or unpacked binary into place after checking that it runs: done(err).
local function put_in_place(binary, done)
  run({ binary, '--version' }, {}, function(code, stdout, stderr)
    if code ~= 0 then
      return done(string.format('%s --version failed (exit %d): %s', binary, code, vim.trim(stderr .. stdout)))
    end
    vim.fn.mkdir(M.bin_dir(), 'p')
    local staged = M.bin_path() .. '.new'
    local ok, err = uv.fs_copyfile(binary, staged)
    if ok then
      ok, err = uv.fs_chmod(staged, 493) -- 0755
    end
    if ok then
      ok, err = uv.fs_rename(staged, M.bin_path())
    end
    if not ok then
      pcall(uv.fs_unlink, staged)
      return done('cannot install into ' .. M.bin_dir() .. ': ' .. tostring(err))
    end
    done(nil, vim.split(vim.trim(stdout), '\n')[1])
  end)
end

-- The one executable named goescape below dir.
local function find_binary(dir)
  local found = vim.fs.find('goescape', { path = dir, type = 'file', limit = math.huge })
  local exes = vim.tbl_filter(function(p)
    return vim.fn.executable(p) == 1
  end, found)
  if #exes == 1 then
    return exes[1]
  end
  return nil, (#exes == 0 and 'the archive holds no executable named goescape')
    or ('the archive holds more than one goescape: ' .. table.concat(exes, ', '))
end

-- A release archive lists its own files' sums in a SHA256SUMS of its top directory: when
-- that lists the binary, the binary must match it too: done(err).
local function check_inner_sum(into, binary, done)
  local sums = vim.fs.find('SHA256SUMS', { path = into, type = 'file', limit = 1 })[1]
  local text = sums and read_file(sums, MAX_SUMS_BYTES)
  if not text then
    return done(nil)
  end
  local rel = binary:sub(#vim.fs.dirname(sums) + 2)
  local want
  for line in text:gmatch('[^\r\n]+') do
    local hex, file = line:match('^(%x+)%s+%*?(.-)%s*$')
    if hex and #hex == 64 and (file == rel or file == './' .. rel) then
      want = hex:lower()
    end
  end
  if not want then
    return done(nil)
  end
  sha256_of(binary, function(err, actual)
    if err then
      return done(err)
    end
    if actual ~= want then
      return done(string.format("SHA-256 mismatch for %s inside the archive: its SHA256SUMS says %s, got %s; nothing was installed", rel, want, actual))
    end
    done(nil)
  end)
end

local function install_archive(opts, tmp, finish)
  local src = opts.archive
  local archive = tmp .. '/' .. basename(src)
  local function verify_and_unpack(expected, where)
    sha256_of(archive, function(err, actual)
      if err then
        return finish(err)
      end
      if actual ~= expected then
        return finish(
          string.format(
            'SHA-256 mismatch for %s: expected %s (%s), got %s; nothing was installed',
            basename(src),
            expected,
            where,
            actual
          )
        )
      end
      local into = tmp .. '/unpacked'
      vim.fn.mkdir(into, 'p')
      run({ 'tar', '-xzf', archive, '-C', into }, {}, function(code, _, stderr)
        if code ~= 0 then
          return finish(string.format('tar could not unpack %s (exit %d): %s', basename(src), code, vim.trim(stderr)))
        end
        local binary, why = find_binary(into)
        if not binary then
          return finish(why)
        end
        check_inner_sum(into, binary, function(inner_err)
          if inner_err then
            return finish(inner_err)
          end
          put_in_place(binary, finish)
        end)
      end)
    end)
  end
  fetch(src, archive, function(err)
    if err then
      return finish(err)
    end
    if opts.sha256 then
      local want = opts.sha256:lower()
      if not want:match('^%x+$') or #want ~= 64 then
        return finish('sha256 must be 64 hexadecimal digits, got ' .. opts.sha256)
      end
      return verify_and_unpack(want, 'given')
    end
    published_sum(src, tmp, function(hex, where)
      if not hex then
        return finish(
          string.format(
            'no SHA-256 for %s: none was given and no SHA256SUMS or %s.sha256 beside it lists it; '
              .. 'pass it with :GoescapeInstall %s sha256=HEX; nothing was installed',
            basename(src),
            basename(src),
            src
          )
        )
      end
      verify_and_unpack(hex, 'from ' .. where)
    end)
  end)
end

--- The goescape checkout this plugin is part of (editors/nvim inside it), or nil.
function M.plugin_checkout()
  local here = debug.getinfo(1, 'S').source:gsub('^@', '')
  local root = vim.fn.fnamemodify(here, ':p:h:h:h:h:h')
  if exists(root .. '/Makefile') and exists(root .. '/CMakeLists.txt') and exists(root .. '/server') then
    return root
  end
  return nil
end

local function install_source(opts, finish)
  local dir = opts.source ~= true and opts.source or M.plugin_checkout()
  if not dir then
    return finish('this plugin is not inside a goescape checkout: give one with :GoescapeInstall source DIR, '
      .. 'or a release archive with :GoescapeInstall URL')
  end
  dir = vim.fn.fnamemodify(dir, ':p'):gsub('/$', '')
  if not exists(dir .. '/Makefile') then
    return finish(dir .. ' has no Makefile: not a goescape checkout')
  end
  local missing = {}
  for _, tool in ipairs({ 'make', 'cmake' }) do
    if vim.fn.executable(tool) ~= 1 then
      table.insert(missing, tool)
    end
  end
  if vim.fn.executable('cc') ~= 1 and vim.fn.executable('gcc') ~= 1 and vim.fn.executable('clang') ~= 1 then
    table.insert(missing, 'a C compiler')
  end
  if #missing > 0 then
    return finish('cannot build from source: ' .. table.concat(missing, ', ') .. ' not found; '
      .. 'install a release archive instead with :GoescapeInstall URL')
  end
  -- The build tree lives in Neovim's cache, not in the checkout.
  local build = vim.fn.stdpath('cache') .. '/goescape-build'
  vim.notify('goescape: building from ' .. dir .. ' (make) ...')
  run({ 'make', '-C', dir, 'build', 'BUILD=' .. build, 'TESTS=OFF' }, {}, function(code, stdout, stderr)
    if code ~= 0 then
      local tail = vim.split(vim.trim(stderr ~= '' and stderr or stdout), '\n')
      return finish(string.format('make failed (exit %d); the libraries libuv, jansson and pcre2 with their headers '
        .. 'are needed: %s', code, table.concat(vim.list_slice(tail, math.max(1, #tail - 5)), '\n')))
    end
    put_in_place(build .. '/goescape', finish)
  end)
end

--- Installs goescape. opts: { archive = URL or file, sha256 = HEX } or { source = DIR or true }.
--- on_done(err, version_line) runs on the main loop; err is nil on success.
function M.install(opts, on_done)
  on_done = on_done or function() end
  local tmp = vim.fn.tempname() .. '-goescape-install'
  vim.fn.mkdir(tmp, 'p')
  -- always after the caller returned, also when a step fails at once
  local function finish(err, version)
    vim.schedule(function()
      rm_rf(tmp)
      on_done(err, version)
    end)
  end
  if opts.archive then
    install_archive(opts, tmp, finish)
  else
    install_source({ source = opts.source or true }, finish)
  end
end

--- Parses the :GoescapeInstall arguments into install() options, or returns nil and a message.
function M.parse_args(fargs)
  local opts = {}
  if fargs[1] == 'source' then
    opts.source = fargs[2] or true
    if #fargs > 2 then
      return nil, 'usage: :GoescapeInstall source [DIR]'
    end
    return opts
  end
  for _, a in ipairs(fargs) do
    local hex = a:match('^sha256=(.*)$')
    if hex then
      opts.sha256 = hex
    elseif not opts.archive then
      opts.archive = a
    else
      return nil, 'usage: :GoescapeInstall [URL-or-FILE [sha256=HEX]] | source [DIR]'
    end
  end
  if opts.sha256 and not opts.archive then
    return nil, 'sha256= needs an archive: :GoescapeInstall URL-or-FILE sha256=HEX'
  end
  return opts
end

--- The :GoescapeInstall command.
function M.command(fargs)
  local opts, usage = M.parse_args(fargs)
  if not opts then
    return vim.notify('goescape: ' .. usage, vim.log.levels.ERROR)
  end
  vim.notify('goescape: installing from ' .. (opts.archive or 'source') .. ' ...')
  M.install(opts, function(err, version)
    if err then
      vim.notify('goescape: install failed: ' .. err, vim.log.levels.ERROR)
    else
      vim.notify(string.format('goescape: installed %s at %s', version or 'goescape', M.bin_path()))
    end
    pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'GoescapeInstalled', modeline = false, data = { error = err } })
  end)
end

return M
