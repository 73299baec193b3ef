-- :checkhealth goescape — the server binary, its version, and the go command.
local M = {}

-- vim.health.start/ok/... on 0.10+, report_* on 0.7-0.9.
local health = vim.health or require('health')
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local err = health.error or health.report_error
local info = health.info or health.report_info

local function run(cmd)
  local out = vim.fn.system(cmd)
  return vim.v.shell_error, vim.trim(out or '')
end

local function first_line(s)
  return (s:gsub('\n.*', ''))
end

function M.check()
  local goescape = require('goescape')
  start('goescape: Neovim')
  local v = vim.version()
  local ver = string.format('%d.%d.%d', v.major, v.minor, v.patch)
  if vim.lsp.inlay_hint then
    ok('Neovim ' .. ver .. ': diagnostics, hovers and inlay hints')
  else
    warn('Neovim ' .. ver .. ': diagnostics and hovers only; inlay hints need Neovim 0.10 or newer')
  end

  start('goescape: server')
  local cmd, problem = goescape.resolve_cmd()
  if not cmd then
    err(problem)
  else
    local installed = cmd[1] == require('goescape.install').bin_path()
    ok('binary: ' .. cmd[1] .. (installed and ' (installed by :GoescapeInstall)' or ''))
    local code, out = run({ cmd[1], '--version' })
    if code == 0 and out ~= '' then
      ok('version: ' .. first_line(out))
    else
      err(string.format("'%s --version' failed (exit %d): %s", cmd[1], code, out))
    end
  end
  if goescape.config.gopls or goescape.gopls_path then
    if goescape.gopls_path then
      ok('companion mode: gopls ' .. goescape.gopls_path .. ' runs inside goescape')
      for _, g in ipairs(require('goescape.companion').guards()) do
        if g.ok then
          info(g.text)
        else
          warn(g.text)
        end
      end
    elseif vim.fn.has('nvim-0.10') == 0 then
      warn('gopls = true needs Neovim 0.10 or newer: goescape runs beside gopls')
    else
      warn('gopls = true, but gopls was not found: goescape runs without it')
    end
  end
  local clients = goescape.get_clients()
  if #clients > 0 then
    for _, c in ipairs(clients) do
      info(string.format('running: client %d, root %s', c.id, tostring(c.config.root_dir)))
    end
  else
    info('no goescape client is running (open a Go file)')
  end

  start('goescape: go command')
  local settings = goescape.config.settings or {}
  local go = settings.goBinary or 'go'
  local gopath = vim.fn.exepath(go)
  if gopath == '' then
    err(string.format("the go command '%s' was not found; install Go or set settings.goBinary", go))
  else
    local code, out = run({ gopath, 'version' })
    if code == 0 then
      ok(gopath .. ': ' .. first_line(out))
    else
      err(string.format("'%s version' failed (exit %d): %s", gopath, code, out))
    end
  end
end

return M
