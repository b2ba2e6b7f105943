-- End-to-end test of the Neovim client against an `alloy lsp` server.
--
--   nvim --headless --clean -u editors/neovim/test/minimal_init.lua \
--        -l editors/neovim/test/e2e.lua <alloy-binary> [cases.lua]
--
-- Checks, in order: the lsp/grafana_alloy.lua config, filetype detection and ftplugin options,
-- server attach (root = the directory with .git), diagnostics for a syntax error, no errors on a
-- valid file, completion at a position, formatting with vim.lsp.buf.format(), one server for the
-- workspace, and a clean shutdown (exit code 0 after shutdown/exit).
-- Prints one line per check and "N passed, N failed"; exits 1 if any check failed.
--
-- Environment: ALLOY_E2E_TIMEOUT_MS (default 30000) bounds every wait.

local TIMEOUT = tonumber(vim.env.ALLOY_E2E_TIMEOUT_MS) or 30000
local CONFIG_NAME = 'grafana_alloy'

local test_dir = vim.fs.dirname(vim.fs.normalize(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p')))
local fixtures_dir = test_dir .. '/fixtures'

local out = io.stdout
local function say(fmt, ...)
  out:write(string.format(fmt, ...) .. '\n')
  out:flush()
end

local function die(msg)
  say('e2e: %s', msg)
  os.exit(2)
end

-- ---------------------------------------------------------------------------- arguments

local bin = arg[1]
if bin == nil or bin == '' then
  die('usage: nvim --headless --clean -u minimal_init.lua -l e2e.lua <alloy-binary> [cases.lua]')
end
if not bin:find('/') and vim.fn.executable(bin) == 1 then
  bin = vim.fn.exepath(bin)
end
bin = vim.fn.fnamemodify(bin, ':p')
if vim.fn.executable(bin) ~= 1 then
  die(string.format('the server binary %q does not exist or is not executable', bin))
end
local cases_file = arg[2] or (test_dir .. '/cases.lua')
local ok_cases, cases = pcall(dofile, cases_file)
if not ok_cases then
  die('cannot load ' .. cases_file .. ': ' .. tostring(cases))
end

if vim.fn.has('nvim-0.11') ~= 1 then
  die('Neovim 0.11 or newer is required (vim.lsp.config / vim.lsp.enable); this is ' .. tostring(vim.version()))
end

-- ---------------------------------------------------------------------------- harness

local results = { passed = 0, failed = 0, skipped = 0 }
local server_exit = nil -- { code, signal } once the server process ended

local function check(name, fn)
  local ok, err = xpcall(fn, function(e)
    if type(e) == 'table' and e.skip then
      return e
    end
    return tostring(e)
  end)
  if ok then
    results.passed = results.passed + 1
    say('ok     %s', name)
  elseif type(err) == 'table' and err.skip then
    results.skipped = results.skipped + 1
    say('skip   %s: %s', name, err.skip)
  else
    results.failed = results.failed + 1
    -- Strip "file:line: " prefixes added by error() for readability.
    local msg = tostring(err):gsub('^[^\n]-e2e%.lua:%d+: ', '')
    say('FAIL   %s\n       %s', name, msg:gsub('\n', '\n       '))
  end
  return ok
end

local function fail(fmt, ...)
  error(string.format(fmt, ...), 0)
end

local function skip(reason)
  error({ skip = reason }, 0)
end

--- Waits until `cond()` returns a truthy value; returns it, or nil after `ms`.
--- Stops early if the server process died.
local function wait_for(ms, cond)
  local value
  vim.wait(ms, function()
    value = cond()
    return value ~= nil and value ~= false or server_exit ~= nil
  end, 20)
  if value == nil or value == false then
    return nil
  end
  return value
end

local function server_died_msg()
  if server_exit then
    return string.format(' (the server exited with code %s, signal %s)', server_exit.code, server_exit.signal)
  end
  return ''
end

local function read_file(path)
  local f = io.open(path, 'rb')
  if not f then
    fail('cannot read %s', path)
  end
  local s = f:read('*a')
  f:close()
  return s
end

local function write_file(path, text)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
end

-- Copy the fixtures to a scratch directory and strip the `@@` cursor markers. Alloy treats all
-- *.alloy files of a directory as one module, so each fixture gets its own directory; a `.git`
-- directory makes the scratch directory the workspace root (one server for all fixtures).
local workdir = vim.fn.tempname() .. '-alloy-e2e'
vim.fn.mkdir(workdir .. '/.git', 'p')
local cursors = {}
local function fixture_path(name)
  return workdir .. '/' .. name:gsub('%.alloy$', '') .. '/' .. name
end
for name, kind in vim.fs.dir(fixtures_dir) do
  if kind == 'file' then
    vim.fn.mkdir(vim.fs.dirname(fixture_path(name)), 'p')
    local text = read_file(fixtures_dir .. '/' .. name)
    local lnum = 0
    for line in (text .. '\n'):gmatch('(.-)\n') do
      lnum = lnum + 1
      local col = line:find('@@', 1, true)
      if col then
        cursors[name] = { lnum, col - 1 }
        break
      end
    end
    write_file(fixture_path(name), (text:gsub('@@', '')))
  end
end

local function open(file)
  vim.cmd.edit(vim.fn.fnameescape(fixture_path(file)))
  return vim.api.nvim_get_current_buf()
end

local function get_client(buf)
  return vim.lsp.get_clients({ bufnr = buf, name = CONFIG_NAME })[1]
end

--- Waits until the client is attached to `buf` and initialized.
local function attached(buf, ms)
  return wait_for(ms or TIMEOUT, function()
    local c = get_client(buf)
    if c and c.initialized and c.server_capabilities then
      return c
    end
  end)
end

local function log_tail(lines)
  local path
  if vim.lsp.log and vim.lsp.log.get_filename then
    path = vim.lsp.log.get_filename()
  elseif vim.lsp.get_log_path then
    path = vim.lsp.get_log_path()
  end
  if not path or vim.fn.filereadable(path) ~= 1 then
    return ''
  end
  local all = vim.fn.readfile(path)
  local first = math.max(1, #all - lines + 1)
  return table.concat(vim.list_slice(all, first), '\n')
end

local function diff(a, b)
  local differ = (vim.text and vim.text.diff) or vim.diff
  return differ(a, b, { ctxlen = 2 })
end

local function show(s)
  return (s:gsub('\t', '→'):gsub(' ', '·'))
end

-- ---------------------------------------------------------------------------- configuration

if vim.lsp.log and vim.lsp.log.set_level then
  vim.lsp.log.set_level('warn')
end

vim.lsp.config(CONFIG_NAME, {
  cmd = { bin, 'lsp' },
  on_exit = function(code, signal)
    server_exit = { code = code, signal = signal }
  end,
})

say('e2e: server %s lsp, Neovim %s, fixtures copied to %s', bin, tostring(vim.version()), workdir)

check('lsp/grafana_alloy.lua is found and merged with the test override', function()
  local cfg = vim.lsp.config[CONFIG_NAME]
  if not cfg then
    fail('vim.lsp.config.%s is nil: lsp/%s.lua is not on the runtimepath', CONFIG_NAME, CONFIG_NAME)
  end
  if not vim.tbl_contains(cfg.filetypes or {}, 'alloy') then
    fail("filetypes = %s, expected to contain 'alloy'", vim.inspect(cfg.filetypes))
  end
  if cfg.cmd[1] ~= bin or cfg.cmd[2] ~= 'lsp' then
    fail('cmd = %s', vim.inspect(cfg.cmd))
  end
  if type(cfg.init_options) ~= 'table' or cfg.init_options.stabilityLevel == nil then
    fail('init_options.stabilityLevel missing: %s', vim.inspect(cfg.init_options))
  end
end)

vim.lsp.enable(CONFIG_NAME)

-- ---------------------------------------------------------------------------- checks

local clean_buf = open(cases.clean.file)

check('*.alloy gets filetype alloy and the ftplugin settings', function()
  if vim.bo[clean_buf].filetype ~= 'alloy' then
    fail("filetype is %q, expected 'alloy' (ftdetect/alloy.lua)", vim.bo[clean_buf].filetype)
  end
  if vim.bo[clean_buf].commentstring ~= '// %s' then
    fail('commentstring is %q', vim.bo[clean_buf].commentstring)
  end
  if vim.bo[clean_buf].expandtab then
    fail('expandtab is set; alloy fmt indents with tabs')
  end
end)

local client
local attach_ok = check('the server starts and attaches to ' .. cases.clean.file, function()
  local t0 = vim.uv.hrtime()
  client = attached(clean_buf)
  if not client then
    fail(
      'no initialized %s client after %d ms%s\n--- tail of the LSP log ---\n%s',
      CONFIG_NAME,
      math.floor((vim.uv.hrtime() - t0) / 1e6),
      server_died_msg(),
      log_tail(20)
    )
  end
  local root = client.config.root_dir
  if root ~= vim.fs.normalize(workdir) and vim.uv.fs_realpath(root or '') ~= vim.uv.fs_realpath(workdir) then
    fail('root_dir is %s, expected the directory with .git: %s', tostring(root), workdir)
  end
end)

local function need_client()
  if not attach_ok or not client then
    skip('the server did not attach')
  end
  if server_exit then
    fail('the server is not running%s', server_died_msg())
  end
end

local error_severity = vim.diagnostic.severity.ERROR

local diag_buf
check('diagnostics: ' .. cases.diagnostics.file .. ' reports "' .. cases.diagnostics.message .. '"', function()
  need_client()
  diag_buf = open(cases.diagnostics.file)
  if not attached(diag_buf) then
    fail('the client did not attach to %s%s', cases.diagnostics.file, server_died_msg())
  end
  local found = wait_for(TIMEOUT, function()
    local ds = vim.diagnostic.get(diag_buf, { severity = error_severity })
    return #ds > 0 and ds or nil
  end)
  if not found then
    fail('no error diagnostics after %d ms%s', TIMEOUT, server_died_msg())
  end
  local want = cases.diagnostics
  -- Servers may send several batches; give the expected one a moment to arrive.
  local match = wait_for(math.min(TIMEOUT, 3000), function()
    for _, d in ipairs(vim.diagnostic.get(diag_buf, { severity = error_severity })) do
      if d.lnum + 1 == want.line and d.message:find(want.message, 1, true) then
        return d
      end
    end
  end)
  if not match then
    local got = {}
    for _, d in ipairs(vim.diagnostic.get(diag_buf)) do
      table.insert(got, string.format('%d:%d %s', d.lnum + 1, d.col + 1, d.message))
    end
    fail('expected an error on line %d containing %q, got:\n%s', want.line, want.message, table.concat(got, '\n'))
  end
end)

check('diagnostics: ' .. cases.clean.file .. ' has no errors', function()
  need_client()
  -- By now the server has analysed the first file (it answered for the second one).
  local ds = vim.diagnostic.get(clean_buf, { severity = error_severity })
  if #ds > 0 then
    local got = {}
    for _, d in ipairs(ds) do
      table.insert(got, string.format('%d:%d %s', d.lnum + 1, d.col + 1, d.message))
    end
    fail('unexpected errors:\n%s', table.concat(got, '\n'))
  end
end)

check('completion in ' .. cases.completion.file .. ' offers ' .. table.concat(cases.completion.expect, ', '), function()
  need_client()
  local buf = open(cases.completion.file)
  local c = attached(buf)
  if not c then
    fail('the client did not attach to %s%s', cases.completion.file, server_died_msg())
  end
  if not c:supports_method('textDocument/completion', buf) then
    fail('the server does not support textDocument/completion')
  end
  local cursor = cursors[cases.completion.file]
  if not cursor then
    fail('fixture %s has no @@ cursor marker', cases.completion.file)
  end
  vim.api.nvim_win_set_cursor(0, cursor)
  local labels = {}
  local missing
  local last_err
  -- Retry: a server may answer with nothing until its first analysis is done.
  wait_for(TIMEOUT, function()
    local params = vim.lsp.util.make_position_params(0, c.offset_encoding)
    params.context = { triggerKind = 1 }
    local resp, err = c:request_sync('textDocument/completion', params, 5000, buf)
    if not resp then
      last_err = err
      return nil
    end
    if resp.err then
      last_err = vim.inspect(resp.err)
      return nil
    end
    local result = resp.result or {}
    local items = result.items or result
    labels = {}
    local present = {}
    for _, item in ipairs(items) do
      table.insert(labels, item.label)
      for _, s in ipairs({ item.label, item.filterText or '', item.insertText or '' }) do
        present[s] = true
        present[(s:gsub('%s*=.*$', ''))] = true
      end
    end
    missing = {}
    for _, want in ipairs(cases.completion.expect) do
      if not present[want] then
        table.insert(missing, want)
      end
    end
    return #missing == 0 or nil
  end)
  if missing == nil then
    fail('no completion answer%s (last error: %s)', server_died_msg(), tostring(last_err))
  end
  if #missing > 0 then
    fail(
      'missing %s at line %d, column %d; got %d items: %s',
      table.concat(missing, ', '),
      cursor[1],
      cursor[2] + 1,
      #labels,
      table.concat(vim.list_slice(labels, 1, 30), ', ')
    )
  end
end)

check('formatting ' .. cases.formatting.file .. ' with vim.lsp.buf.format()', function()
  need_client()
  local buf = open(cases.formatting.file)
  local c = attached(buf)
  if not c then
    fail('the client did not attach to %s%s', cases.formatting.file, server_died_msg())
  end
  if not c:supports_method('textDocument/formatting', buf) then
    fail('the server does not support textDocument/formatting (documentFormattingProvider)')
  end
  vim.lsp.buf.format({ bufnr = buf, name = CONFIG_NAME, timeout_ms = TIMEOUT })
  local got = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n') .. '\n'
  local want = read_file(fixtures_dir .. '/' .. cases.formatting.expected)
  if got ~= want then
    fail('formatted text differs from %s (tabs shown as →, spaces as ·):\n%s', cases.formatting.expected, show(diff(want, got)))
  end
end)

check('one server serves every fixture directory of the workspace', function()
  need_client()
  local clients = vim.lsp.get_clients({ name = CONFIG_NAME })
  if #clients ~= 1 then
    fail('%d %s clients are running, expected 1 (root_dir should be the .git directory)', #clients, CONFIG_NAME)
  end
end)

check('the server shuts down cleanly', function()
  need_client()
  client:stop()
  local stopped = wait_for(math.min(TIMEOUT, 5000), function()
    return server_exit ~= nil or nil
  end)
  if not stopped then
    fail('the server did not exit within 5 s after shutdown/exit')
  end
  if server_exit.code ~= 0 then
    fail('the server exited with code %s after shutdown/exit', server_exit.code)
  end
end)

-- ---------------------------------------------------------------------------- summary

for _, c in ipairs(vim.lsp.get_clients()) do
  c:stop(true)
end
vim.fn.delete(workdir, 'rf')

local summary = string.format('%d passed, %d failed', results.passed, results.failed)
if results.skipped > 0 then
  summary = summary .. string.format(', %d skipped', results.skipped)
end
say('%s', summary)
os.exit(results.failed == 0 and results.skipped == 0 and 0 or 1)
