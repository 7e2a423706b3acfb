-- End-to-end check of `bglint lsp` from a real editor: headless Neovim (0.7 or later).
--
-- Run by run.sh as `nvim --headless --clean -u NONE -c "luafile check.lua"` with:
--   BGLINT_BIN          the bglint binary (started as `BGLINT_BIN lsp`)
--   BGLINT_PROJECT      a copy of fixtures/flutter-crossfile-fixed (it has no findings)
--   BGLINT_E2E_SUMMARY  where to write the JSON summary
--   BGLINT_E2E_TIMEOUT_MS  how long each wait may take (default 20000)
--   BGLINT_E2E_DEBOUNCE_MS Neovim's didChange debounce (default: Neovim's own, 150)
--
-- Uses only the 0.7 client API: vim.lsp.start_client + vim.lsp.buf_attach_client.
-- Every edit is made to a buffer and never saved: the server must work from what the
-- editor sends (didOpen / didChange), not from the files on disk.

vim.o.swapfile = false

local bin = os.getenv("BGLINT_BIN")
local root = os.getenv("BGLINT_PROJECT")
local summary_path = os.getenv("BGLINT_E2E_SUMMARY")
local timeout = tonumber(os.getenv("BGLINT_E2E_TIMEOUT_MS") or "") or 20000
-- Neovim delays didChange by this much (nil: its default, 150 ms); 0 times the server alone.
local debounce = tonumber(os.getenv("BGLINT_E2E_DEBOUNCE_MS") or "")

local PERIODIC = "flutter-periodic-task-under-15-min"
local MODE_MISSING = "ios-bgtask-background-mode-missing"
local SUPPRESS_TITLE = "Suppress " .. PERIODIC .. " here (bglint-ignore)"

local started = vim.loop.hrtime()
local function now_ms()
  return (vim.loop.hrtime() - started) / 1e6
end
local function round(ms)
  return math.floor(ms + 0.5)
end

local version = vim.version()
local summary = {
  nvim_version = string.format("%d.%d.%d", version.major, version.minor, version.patch),
  binary = bin,
  project = root,
  timeout_ms = timeout,
  steps = {},
  -- Every publishDiagnostics received, in order: when, for which file, which codes.
  publishes = {},
  -- URIs the server published that differ, as strings, from the one Neovim sent for that file.
  uri_mismatches = {},
  -- "pass" or "fail": run.sh reads this.
  result = "fail",
}

local function log(msg)
  io.stderr:write("[lsp-e2e] " .. msg .. "\n")
end

local function write_summary()
  if not summary_path then
    return
  end
  local f = assert(io.open(summary_path, "w"))
  f:write(vim.fn.json_encode(summary), "\n")
  f:close()
end

-- Paths are compared after resolving symlinks; URIs are compared as strings separately.
local function real(path)
  return vim.loop.fs_realpath(path) or path
end

local function relative(path)
  local r = real(root) .. "/"
  local p = real(path)
  if p:sub(1, #r) == r then
    return p:sub(#r + 1)
  end
  return path
end

local function sorted_codes(diagnostics)
  local codes = {}
  for _, d in ipairs(diagnostics) do
    table.insert(codes, d.code)
  end
  table.sort(codes)
  return codes
end

local function contains(list, value)
  return vim.tbl_contains(list, value)
end

---------------------------------------------------------------------------
-- The client, with the publishDiagnostics handler wrapped to log every publish.
---------------------------------------------------------------------------

local sent_uri = {} -- real path -> URI Neovim sent for it (didOpen)
local publishes = {} -- { t, path, uri, raw }: the raw LSP diagnostics, as the server sent them
local exit_info = nil
local seen_mismatch = {}

local function on_publish(err, result, ctx, config)
  local path = vim.uri_to_fname(result.uri)
  local entry = { t = now_ms(), path = real(path), uri = result.uri, raw = result.diagnostics }
  table.insert(publishes, entry)
  table.insert(summary.publishes, {
    t_ms = round(entry.t),
    file = relative(path),
    codes = sorted_codes(result.diagnostics),
  })
  local ours = sent_uri[entry.path]
  if ours and ours ~= result.uri and not seen_mismatch[result.uri] then
    seen_mismatch[result.uri] = true
    table.insert(summary.uri_mismatches, { server = result.uri, nvim = ours })
    log("URI differs from the one Neovim sent: server " .. result.uri .. ", nvim " .. ours)
  end
  return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
end

local client_id

local function client()
  return vim.lsp.get_client_by_id(client_id)
end

-- Open `path` in a (hidden) buffer with `filetype`, and attach the client.
local function open(path, filetype)
  local bufnr = vim.fn.bufadd(path)
  vim.fn.bufload(bufnr)
  vim.bo[bufnr].buflisted = true
  vim.bo[bufnr].filetype = filetype -- becomes didOpen's languageId
  sent_uri[real(path)] = vim.uri_from_bufnr(bufnr)
  assert(vim.lsp.buf_attach_client(bufnr, client_id), "buf_attach_client failed for " .. path)
  return bufnr
end

-- bglint's diagnostics as Neovim holds them for a buffer.
local function bglint_diagnostics(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == "bglint" then
      table.insert(out, d)
    end
  end
  return out
end

local function codes_of(bufnr)
  return sorted_codes(bglint_diagnostics(bufnr))
end

local function wait_for(what, condition)
  local ok = vim.wait(timeout, function()
    if exit_info then
      error("the server exited during: " .. what .. " (code " .. tostring(exit_info.code) .. ")")
    end
    return condition()
  end, 10)
  if not ok then
    error("timed out after " .. timeout .. " ms waiting for: " .. what)
  end
end

-- The first publish for `path` after publish number `mark`, waiting for it.
local function wait_publish(path, mark, what)
  local want = real(path)
  local found
  wait_for(what, function()
    for i = mark + 1, #publishes do
      if publishes[i].path == want then
        found = publishes[i]
        return true
      end
    end
    return false
  end)
  return found
end

-- The latest raw LSP diagnostic with `code` published for `path`.
local function latest_raw(path, code)
  local want = real(path)
  for i = #publishes, 1, -1 do
    if publishes[i].path == want then
      for _, d in ipairs(publishes[i].raw) do
        if d.code == code then
          return d
        end
      end
      return nil
    end
  end
end

-- Files published from publish number `mark` on, in order.
local function published_since(mark)
  local files = {}
  for i = mark + 1, #publishes do
    table.insert(files, relative(publishes[i].path))
  end
  return files
end

local function request(bufnr, method, params)
  local results, err = vim.lsp.buf_request_sync(bufnr, method, params, timeout)
  if not results then
    error(method .. " got no answer: " .. tostring(err))
  end
  local answer = results[client_id]
  if not answer then
    error(method .. ": no answer from the bglint client")
  end
  if answer.error then
    error(method .. " failed: " .. vim.inspect(answer.error))
  end
  return answer.result
end

local function find_line(bufnr, pattern, from)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  for i = (from or 0) + 1, #lines do
    if lines[i]:find(pattern) then
      return i - 1, lines[i] -- 0-based row
    end
  end
  error("no line matching " .. pattern)
end

local function check(condition, message)
  if not condition then
    error(message, 2)
  end
end

---------------------------------------------------------------------------
-- The steps. Each records what it saw in `rec`; an error fails it.
---------------------------------------------------------------------------

local function step(name, fn)
  local rec = { name = name, passed = false }
  table.insert(summary.steps, rec)
  log("step " .. name)
  local t = now_ms()
  local ok, err = pcall(fn, rec)
  rec.duration_ms = round(now_ms() - t)
  if not ok then
    rec.error = tostring(err)
    error(name .. ": " .. tostring(err), 0)
  end
  rec.passed = true
end

local dart_path = root .. "/lib/background/sync.dart"
local plist_path = root .. "/ios/Runner/Info.plist"
local dart, plist

local function run()
  check(bin and root and summary_path, "BGLINT_BIN, BGLINT_PROJECT and BGLINT_E2E_SUMMARY must be set")

  step("a_open_clean_dart", function(rec)
    client_id = vim.lsp.start_client({
      name = "bglint",
      cmd = { bin, "lsp" },
      root_dir = root,
      flags = { debounce_text_changes = debounce },
      handlers = { ["textDocument/publishDiagnostics"] = on_publish },
      on_exit = function(code, signal)
        exit_info = { code = code, signal = signal }
      end,
    })
    check(client_id, "vim.lsp.start_client failed")
    local t = now_ms()
    dart = open(dart_path, "dart")
    wait_publish(dart_path, 0, "first diagnostics for sync.dart")
    rec.open_to_diagnostics_ms = round(now_ms() - t)
    local caps = client().server_capabilities or {}
    rec.server_position_encoding = caps.positionEncoding
    rec.offset_encoding_used = client().offset_encoding
    local sync = caps.textDocumentSync
    rec.server_sync_kind = type(sync) == "table" and sync.change or sync
    rec.uri_sent = vim.uri_from_bufnr(dart)
    -- Neovim holds back didChange this long (its default); edit timings include it.
    rec.client_debounce_ms = client().config.flags.debounce_text_changes or 150
    rec.codes = { ["lib/background/sync.dart"] = codes_of(dart) }
    check(#codes_of(dart) == 0, "the fixed twin should be clean, got " .. vim.inspect(codes_of(dart)))
  end)

  step("b_live_plist_edit_lights_up_dart", function(rec)
    -- Open the plist: a project file, so the whole project is re-checked.
    local mark = #publishes
    plist = open(plist_path, "xml")
    wait_publish(plist_path, mark, "diagnostics for Info.plist after opening it")
    rec.published_on_open = published_since(mark)
    check(#codes_of(dart) == 0, "opening the plist changed sync.dart: " .. vim.inspect(codes_of(dart)))

    -- Delete <string>processing</string> from UIBackgroundModes, without saving.
    local modes = find_line(plist, "<key>UIBackgroundModes</key>")
    local row, line = find_line(plist, "<string>processing</string>", modes)
    check(row <= find_line(plist, "</array>", modes), "processing is not inside UIBackgroundModes")
    rec.deleted_line = { row = row, text = vim.trim(line) }
    mark = #publishes
    local t = now_ms()
    vim.api.nvim_buf_set_lines(plist, row, row + 1, false, {})
    wait_for(MODE_MISSING .. " on sync.dart", function()
      return contains(codes_of(dart), MODE_MISSING)
    end)
    rec.edit_to_diagnostic_ms = round(now_ms() - t)
    rec.published_after_edit = published_since(mark)
    rec.codes = {
      ["lib/background/sync.dart"] = codes_of(dart),
      ["ios/Runner/Info.plist"] = codes_of(plist),
    }

    -- The finding points at the plist as its other place, under a URI Neovim can resolve.
    local raw = latest_raw(dart_path, MODE_MISSING)
    local related = raw.relatedInformation and raw.relatedInformation[1]
    check(related, MODE_MISSING .. " has no relatedInformation")
    rec.related_uri = related.location.uri
    check(real(vim.uri_to_fname(related.location.uri)) == real(plist_path),
      "relatedInformation points at " .. related.location.uri)

    -- Live means unsaved: the file on disk still declares processing.
    check(vim.bo[plist].modified, "the plist buffer should be modified, not saved")
    local on_disk = table.concat(vim.fn.readfile(plist_path), "\n")
    check(on_disk:find("<string>processing</string>", 1, true), "the plist was written to disk")
  end)

  step("c_live_dart_edit_periodic_under_15_min", function(rec)
    local row, line = find_line(dart, "frequency: const Duration%(hours: 4%)")
    local s, e = line:find("hours: 4", 1, true)
    local mark = #publishes
    local t = now_ms()
    -- Replace just `hours: 4` (0-based, end-exclusive byte columns), as typing would.
    vim.api.nvim_buf_set_text(dart, row, s - 1, row, e, { "minutes: 5" })
    wait_for(PERIODIC .. " on sync.dart", function()
      return contains(codes_of(dart), PERIODIC)
    end)
    rec.edit_to_diagnostic_ms = round(now_ms() - t)
    rec.published_after_edit = published_since(mark)
    rec.edited_line = vim.trim(vim.api.nvim_buf_get_lines(dart, row, row + 1, false)[1])
    rec.codes = { ["lib/background/sync.dart"] = codes_of(dart) }
    check(contains(codes_of(dart), MODE_MISSING), MODE_MISSING .. " went away after a Dart-only edit")
  end)

  step("d_hover", function(rec)
    local raw = latest_raw(dart_path, PERIODIC)
    check(raw, "no raw " .. PERIODIC .. " diagnostic recorded")
    rec.position = raw.range.start
    -- Neovim turned the UTF-16 column into a byte column; both must name the same place.
    local text = vim.api.nvim_buf_get_lines(dart, raw.range.start.line, raw.range.start.line + 1, false)[1]
    local want_col = vim.str_byteindex(text, raw.range.start.character, true)
    for _, d in ipairs(bglint_diagnostics(dart)) do
      if d.code == PERIODIC then
        rec.nvim_position = { line = d.lnum, col = d.col }
        check(d.lnum == raw.range.start.line and d.col == want_col,
          "Neovim placed the diagnostic at " .. d.lnum .. ":" .. d.col .. ", expected byte column " .. want_col)
      end
    end
    local t = now_ms()
    local hover = request(dart, "textDocument/hover", {
      textDocument = { uri = vim.uri_from_bufnr(dart) },
      position = raw.range.start,
    })
    rec.request_ms = round(now_ms() - t)
    check(hover and hover.contents, "empty hover")
    local value = hover.contents.value or ""
    rec.kind = hover.contents.kind
    rec.first_line = vim.split(value, "\n")[1]
    check(vim.startswith(value, "# " .. PERIODIC), "hover starts with: " .. rec.first_line)
  end)

  step("e_code_action_suppresses", function(rec)
    local raw = latest_raw(dart_path, PERIODIC)
    local t = now_ms()
    local actions = request(dart, "textDocument/codeAction", {
      textDocument = { uri = vim.uri_from_bufnr(dart) },
      range = raw.range,
      context = { diagnostics = { raw } },
    })
    rec.request_ms = round(now_ms() - t)
    rec.titles = {}
    local chosen
    for _, action in ipairs(actions or {}) do
      table.insert(rec.titles, action.title)
      if action.title == SUPPRESS_TITLE then
        chosen = action
      end
    end
    check(chosen, "no code action titled " .. SUPPRESS_TITLE)
    check(chosen.edit, "the suppress action has no edit")
    rec.edit_uris = vim.tbl_keys(chosen.edit.changes or {})

    local mark = #publishes
    t = now_ms()
    vim.lsp.util.apply_workspace_edit(chosen.edit, "utf-16")
    wait_for(PERIODIC .. " to disappear after the suppression", function()
      return #published_since(mark) > 0 and not contains(codes_of(dart), PERIODIC)
    end)
    rec.edit_to_diagnostic_ms = round(now_ms() - t)
    -- Give a stray late publish a moment to show up before the final look.
    vim.wait(500)
    rec.published_after_edit = published_since(mark)
    rec.codes = { ["lib/background/sync.dart"] = codes_of(dart) }
    local row = find_line(dart, "bglint%-ignore")
    rec.inserted_line = vim.api.nvim_buf_get_lines(dart, row, row + 1, false)[1]
    check(not contains(codes_of(dart), PERIODIC), PERIODIC .. " came back")
    check(not contains(codes_of(dart), "unused-suppression"), "the suppression was reported as unused")
  end)

  step("f_shutdown", function(rec)
    -- shutdown + exit; here the server exiting is the point, so wait without wait_for.
    local t = now_ms()
    vim.lsp.stop_client(client_id)
    check(vim.wait(timeout, function()
      return exit_info ~= nil
    end, 10), "the server did not exit after shutdown")
    rec.stop_to_exit_ms = round(now_ms() - t)
    rec.exit_code = exit_info.code
    rec.signal = exit_info.signal
    check(exit_info.code == 0, "the server exited with code " .. tostring(exit_info.code))
  end)
end

local ok, err = pcall(run)
summary.result = ok and "pass" or "fail"
if not ok then
  summary.failure = tostring(err)
  log("FAILED: " .. tostring(err))
end
write_summary()
if ok then
  log("all steps passed")
  vim.cmd("qa!")
else
  vim.cmd("cquit 1")
end
