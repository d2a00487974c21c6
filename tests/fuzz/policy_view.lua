-- The policy of the policy_view fuzz target (policy_view_fuzz.cc): reads every field of the
-- request view, walks its nested tables, tries writes (which must fail), calls the helpers on
-- fuzzed text and returns a decision built from fuzzed values (read_decision checks it).
-- Anything wrong with the view (an error while reading it, a write that succeeds) comes back as
-- the label view_bug, which the target reports; the sandbox's own limits still fail the call.
local function walk(v, depth)
  if type(v) ~= "userdata" or depth > 3 then return 0 end
  local n = #v
  for _, x in ipairs(v) do n = n + walk(x, depth + 1) end
  for k, x in pairs(v) do n = n + #tostring(k) + walk(x, depth + 1) end
  return n
end

local function must_fail(f)
  if pcall(f) then error("a write to the request view succeeded") end
end

local function read_all(req)
  local n = walk(req, 0)
  local h = req.headers
  must_fail(function() req.model = "x" end)
  must_fail(function() req.headers.x = "x" end)
  must_fail(function() req.messages[1] = {} end)
  must_fail(function() req.key.labels.x = "x" end)
  if getmetatable(req) ~= "read-only" then error("the request view lost its metatable") end

  local text = req.model .. req.last_user_message .. req.system .. req.user
  n = n + req.tokens + (req.max_tokens or 0) + (req.stream and 1 or 0)
  for i, m in ipairs(req.messages) do
    text = text .. m.role .. m.content
    if m.has_non_text then n = n + i end
  end
  for _, t in ipairs(req.tools) do text = text .. t end
  text = text .. req.key.id .. req.key.tier .. req.key.team
  for k, v in pairs(req.key.labels) do text = text .. k .. v end
  local b = req.budget
  n = n + b.spent_usd + b.limit_usd + b.fraction_used
  for k, v in pairs(req.metadata) do text = text .. k .. v end
  for _, kind in ipairs(req.pii) do
    if not req.pii[kind] then error("req.pii lists " .. kind .. " but does not index it") end
  end
  n = n + req.time.unix + req.time.hour + req.time.weekday

  pcall(sy.matches, req.last_user_message, h["x-pattern"] or "a+b")
  sy.contains_any(text, { h["x-word"] or "word", "prove", "classify" })
  sy.count_tokens(text)
  pcall(sy.model_info, h["x-model"] or req.model)
  pcall(sy.healthy, h["x-model"] or req.model)

  if h["x-nil"] then return nil end
  local d = { labels = { n = tostring(n % 1000), tier = req.key.tier } }
  d.model = h["x-model"]
  d.router = h["x-router"]
  d.threshold = tonumber(h["x-threshold"] or "")
  d.deny = h["x-deny"]
  d.status = tonumber(h["x-status"] or "")
  d.reason = req.metadata.reason
  d.session = h["x-session"]
  d.sticky = h["x-sticky"] ~= nil
  d.local_only = h["x-local"] ~= nil
  d.pii = h["x-pii"]
  if h["x-fallback"] then d.fallbacks = { h["x-fallback"] } end
  if h["x-candidate"] then d.candidates = { h["x-candidate"], "weak" } end
  return d
end

function route(req)
  local ok, d = pcall(read_all, req)
  if ok then return d end
  local why = tostring(d)
  if why:find("limit", 1, true) or why:find("not enough memory", 1, true) then error(why, 0) end
  return { labels = { view_bug = why:sub(-60) } }
end
