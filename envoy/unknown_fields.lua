-- Refuses a JSON request body that names a field the request message does not have.
--
-- Envoy's gRPC-JSON transcoder drops unknown body fields silently (proto3 JSON mapping),
-- so a misspelt field would be a request that "worked" and did something else. This runs
-- before the transcoder on the /v1/ routes, for the methods that take a body, and answers
-- 400 naming the field (turned into a google.rpc.Status JSON by local_reply_config).
-- A body that is not valid JSON is left to the transcoder, whose error names the problem.
--
-- A TEMPLATE: services/gateway/_config.py replaces the ROUTES and MESSAGES lines with
-- tables generated from the descriptor set (the public methods' google.api.http rules).

-- { {verb, Lua pattern of the path, body message, field path prefix, method name}, ... }
local ROUTES = @ROUTES@
-- message -> { [JSON or proto field name] = {kind, proto name} }; kind "" = no fields to
-- check inside (scalars, enums, well-known types), "M:<message>" = a message (or a list
-- of them), "V:<message>" = a map whose values are that message.
local MESSAGES = @MESSAGES@

local ESCAPES = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function skip_space(s, i)
  return s:find("[^ \t\r\n]", i) or (#s + 1)
end

local function read_string(s, i) -- s:sub(i, i) is the opening quote
  local parts, j = {}, i + 1
  while true do
    local k = s:find('["\\]', j)
    if k == nil then
      error("unterminated string")
    end
    parts[#parts + 1] = s:sub(j, k - 1)
    if s:sub(k, k) == '"' then
      return table.concat(parts), k + 1
    end
    local e = s:sub(k + 1, k + 1)
    if e == "u" then
      local code = tonumber(s:sub(k + 2, k + 5), 16)
      if code == nil then
        error("bad escape")
      end
      parts[#parts + 1] = code < 128 and string.char(code) or "?"
      j = k + 6
    elseif ESCAPES[e] ~= nil then
      parts[#parts + 1] = ESCAPES[e]
      j = k + 2
    else
      error("bad escape")
    end
  end
end

-- Reads the JSON value at s[i] as `kind` (see MESSAGES); returns the index after it.
-- Raises {unknown = "<field path>"} for a field the message lacks, a string otherwise.
local function read_value(s, i, kind, path)
  i = skip_space(s, i)
  local c = s:sub(i, i)
  if c == "{" then
    local fields, values = nil, nil
    if kind ~= nil and kind:sub(1, 2) == "M:" then
      fields = MESSAGES[kind:sub(3)]
    elseif kind ~= nil and kind:sub(1, 2) == "V:" then
      values = "M:" .. kind:sub(3)
    end
    i = skip_space(s, i + 1)
    if s:sub(i, i) == "}" then
      return i + 1
    end
    while true do
      if s:sub(i, i) ~= '"' then
        error("expected a key")
      end
      local key
      key, i = read_string(s, i)
      i = skip_space(s, i)
      if s:sub(i, i) ~= ":" then
        error("expected a colon")
      end
      local child, name = nil, key
      if fields ~= nil then
        local field = fields[key]
        if field == nil then
          error({ unknown = path .. key })
        end
        child, name = field[1], field[2]
        if child == "" then
          child = nil
        end
      elseif values ~= nil then
        child = values
      end
      i = skip_space(s, read_value(s, i + 1, child, path .. name .. "."))
      local d = s:sub(i, i)
      if d == "}" then
        return i + 1
      end
      if d ~= "," then
        error("expected , or }")
      end
      i = skip_space(s, i + 1)
    end
  elseif c == "[" then
    i = skip_space(s, i + 1)
    if s:sub(i, i) == "]" then
      return i + 1
    end
    while true do
      i = skip_space(s, read_value(s, i, kind, path))
      local d = s:sub(i, i)
      if d == "]" then
        return i + 1
      end
      if d ~= "," then
        error("expected , or ]")
      end
      i = i + 1
    end
  elseif c == '"' then
    local _, after = read_string(s, i)
    return after
  end
  local j = s:find("[,%]}%s]", i) or (#s + 1)
  if j == i then
    error("expected a value")
  end
  return j
end

function envoy_on_request(handle)
  local headers = handle:headers()
  local verb = headers:get(":method")
  if verb ~= "POST" and verb ~= "PATCH" and verb ~= "PUT" then
    return
  end
  local path = (headers:get(":path") or ""):gsub("%?.*$", "")
  local route = nil
  for _, candidate in ipairs(ROUTES) do
    if candidate[1] == verb and path:match(candidate[2]) then
      route = candidate
      break
    end
  end
  if route == nil then
    return
  end
  local body = handle:body()
  if body == nil or body:length() == 0 then
    return
  end
  local ok, err = pcall(read_value, body:getBytes(0, body:length()), 1, "M:" .. route[3], route[4])
  if not ok and type(err) == "table" and err.unknown ~= nil then
    handle:respond(
      { [":status"] = "400", ["content-type"] = "text/plain" },
      err.unknown .. ": unknown field; " .. route[5] .. " has no such field (see /openapi.json)"
    )
  end
end
