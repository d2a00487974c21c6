-- Budgets, rate limits and concurrency for one principal group (a team, or a key without a team).
-- One script, three operations (ARGV[1]): admit, settle, read. Redis runs it with EVALSHA (Lua 5.1);
-- the in-process store runs the same text on Lua 5.4 behind a redis.call shim, so the two stores
-- cannot drift apart. Keep to the common subset: no integer division, no goto, no bit operators,
-- numbers formatted with fmt() so 5.4 floats never print as "3.0".
--
-- KEYS[1] is the group's reservation index, "<prefix>{<group>}:rx"; every other key the script
-- touches starts with the same "<prefix>{<group>}:" so all of them live in one Cluster slot.
--
-- A level is six ARGV fields: scope ("key:<id>", "team:<name>", "user:<team>/<user>"), budget
-- limit in nano-USD (-1 = none), budget period ("d" UTC day, "m" UTC month, "w<seconds>" fixed
-- window), requests per minute, tokens per minute, concurrent requests (-1 = none).
-- Money is integer nano-USD; times are the Redis server's clock in milliseconds.
--
-- Redis does not roll a script back when it fails halfway, and in a Cluster a script fails when
-- it touches a key of a slot that is migrating away: so every operation reads (touches) all the
-- keys it will write before its first write, and a failed call can be run again safely.

local rx = KEYS[1]
local P = string.sub(rx, 1, #rx - 2)
local op = ARGV[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local MINUTE = 60000
local DAY = 86400000
local unpack = table.unpack or unpack  -- 5.4 or 5.1

local function num(x) return tonumber(x) or 0 end
local function fmt(x) return string.format('%d', x) end

-- Days since 1970-01-01 of a civil date, and back (proleptic Gregorian, UTC).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m
end

-- Period id and end (ms) of the period containing `at`.
local function period(spec, at)
  if spec == 'd' then
    local d = math.floor(at / DAY)
    return 'd' .. fmt(d), (d + 1) * DAY
  elseif spec == 'm' then
    local y, m = civil_from_days(math.floor(at / DAY))
    local ny, nm = y, m + 1
    if nm == 13 then ny, nm = y + 1, 1 end
    return 'm' .. fmt(y) .. '-' .. fmt(m), days_from_civil(ny, nm, 1) * DAY
  end
  local w = num(string.sub(spec, 2)) * 1000
  if w <= 0 then w = DAY end
  local i = math.floor(at / w)
  return spec .. '.' .. fmt(i), (i + 1) * w
end

local function budget_key(scope, spec, at)
  local id, ends = period(spec, at)
  return P .. 'b:' .. scope .. ':' .. id, ends
end

local function levels(first)
  local out = {}
  local n = num(ARGV[first])
  for i = 0, n - 1 do
    local b = first + 1 + i * 6
    out[#out + 1] = {scope = ARGV[b], budget = num(ARGV[b + 1]), period = ARGV[b + 2],
                     rpm = num(ARGV[b + 3]), tpm = num(ARGV[b + 4]), conc = num(ARGV[b + 5])}
  end
  return out
end

-- Sliding window of two fixed minutes: usage = current + previous * (share of the previous
-- minute still inside the last 60 s). Returns usage and the time until `amount` more would fit
-- (0: fits now; -1: never, the amount alone is over the limit).
local function window(cur, prev, limit, amount)
  local into = now - math.floor(now / MINUTE) * MINUTE
  local used = cur + prev * (MINUTE - into) / MINUTE
  if used + amount <= limit then return used, 0 end
  if amount > limit then return used, -1 end
  local wait
  if cur + amount <= limit then
    -- the previous minute's share has to shrink to limit - cur - amount
    wait = math.ceil(MINUTE * (1 - (limit - cur - amount) / prev)) - into
  else
    -- next minute, once this minute's share has shrunk enough
    wait = MINUTE - into + math.ceil(MINUTE * (1 - (limit - amount) / cur))
  end
  if wait < 1 then wait = 1 end
  return used, wait
end

-- A reservation record is "<entries>" or, once reclaimed, "x\n<entries>"; each entry is a line
-- "<kind> <key> <amount>": b budget (nano-USD reserved), t token window (tokens), c concurrency.
local ENTRY = '(%a) (%S+) (%-?%d+)\n'

-- Undo what a reservation holds (budget reserved, a concurrency slot). Spent and window counts stay.
local function release(entries)
  for kind, key, amount in string.gmatch(entries, ENTRY) do
    if kind == 'b' then
      redis.call('HINCRBY', key, 'r', -num(amount))
    elseif kind == 'c' and num(redis.call('DECR', key)) < 0 then
      redis.call('SET', key, 0)
    end
  end
end

-- Reservations of vanished requests (an instance crashed) expire: release them, keep the record
-- (marked) so that a late settle still charges the spend.
local function reclaim_expired()
  local ids = redis.call('ZRANGEBYSCORE', rx, '-inf', now, 'LIMIT', 0, 32)
  for _, id in ipairs(ids) do
    local rk = P .. 'r:' .. id
    local entries = redis.call('GET', rk)
    if entries and string.sub(entries, 1, 2) ~= 'x\n' then
      release(entries)
      redis.call('SET', rk, 'x\n' .. entries, 'KEEPTTL')
    end
    redis.call('ZREM', rx, id)
  end
end

-- Adds to a counter that expires; the expiry is set when the counter is created.
local function count(key, amount, ttl)
  if num(redis.call('INCRBY', key, amount)) == amount then redis.call('PEXPIRE', key, ttl) end
end

-- ARGV: admit, reservation id, ttl ms, cost nano-USD, tokens, levels...
-- Reply: {1, now, req limit, req remaining, req reset ms, tok limit, tok remaining, tok reset ms}
--     or {0, level index (1-based), kind, limit, used, retry after ms (-1 never), now}
local function admit()
  reclaim_expired()
  local id, ttl, cost, tokens = ARGV[2], num(ARGV[3]), num(ARGV[4]), num(ARGV[5])
  local lv = levels(6)
  local w = math.floor(now / MINUTE)
  -- Numbers are formatted once per call: string.format costs more than a redis.call.
  local this_minute, last_minute = fmt(w), fmt(w - 1)
  -- Every counter of every level in one MGET: request and token windows (this minute and the
  -- previous one) and concurrency.
  local names, at = {}, {}
  for i, l in ipairs(lv) do
    at[i] = #names
    names[#names + 1] = P .. 'q:' .. l.scope .. ':' .. this_minute
    names[#names + 1] = P .. 'q:' .. l.scope .. ':' .. last_minute
    names[#names + 1] = P .. 't:' .. l.scope .. ':' .. this_minute
    names[#names + 1] = P .. 't:' .. l.scope .. ':' .. last_minute
    names[#names + 1] = P .. 'c:' .. l.scope
  end
  names[#names + 1] = P .. 'r:' .. id  -- touched with the rest, before any write
  local values = #names > 0 and redis.call('MGET', unpack(names)) or {}
  local info = {1, now, -1, -1, 0, -1, -1, 0}
  local reset = 2 * MINUTE - (now % MINUTE)
  local budgets = {}
  for i, l in ipairs(lv) do
    local v = at[i]
    if l.budget >= 0 then
      local k, ends = budget_key(l.scope, l.period, now)
      local b = redis.call('HMGET', k, 's', 'r')
      local used = num(b[1]) + num(b[2])
      if used + cost > l.budget then return {0, i, 'budget', l.budget, used, ends - now, now} end
      budgets[i] = {k, ends}
    end
    if l.rpm >= 0 then
      local used, wait = window(num(values[v + 1]), num(values[v + 2]), l.rpm, 1)
      if wait ~= 0 then return {0, i, 'rpm', l.rpm, math.ceil(used), wait, now} end
      if info[3] < 0 then info[3], info[4], info[5] = l.rpm, math.floor(l.rpm - used - 1), reset end
    end
    if l.tpm >= 0 then
      local used, wait = window(num(values[v + 3]), num(values[v + 4]), l.tpm, tokens)
      if wait ~= 0 then return {0, i, 'tpm', l.tpm, math.ceil(used), wait, now} end
      if info[6] < 0 then info[6], info[7], info[8] = l.tpm, math.floor(l.tpm - used - tokens), reset end
    end
    if l.conc >= 0 and num(values[v + 5]) + 1 > l.conc then
      return {0, i, 'concurrency', l.conc, num(values[v + 5]), 1000, now}
    end
  end
  -- Every level has room: reserve at all of them.
  local entries = {}
  local cost_text, tokens_text = fmt(cost), fmt(tokens)
  for i, l in ipairs(lv) do
    local v = at[i]
    if budgets[i] then
      redis.call('HINCRBY', budgets[i][1], 'r', cost)
      redis.call('PEXPIREAT', budgets[i][1], budgets[i][2] + DAY)
      entries[#entries + 1] = 'b ' .. budgets[i][1] .. ' ' .. cost_text .. '\n'
    end
    if l.rpm >= 0 then count(names[v + 1], 1, 2 * MINUTE + 1000) end
    if l.tpm >= 0 then
      count(names[v + 3], tokens, 2 * MINUTE + 1000)
      entries[#entries + 1] = 't ' .. names[v + 3] .. ' ' .. tokens_text .. '\n'
    end
    if l.conc >= 0 then
      redis.call('INCR', names[v + 5])
      entries[#entries + 1] = 'c ' .. names[v + 5] .. ' 1\n'
    end
  end
  redis.call('SET', P .. 'r:' .. id, table.concat(entries), 'PX', ttl + DAY)
  redis.call('ZADD', rx, now + ttl, id)
  return info
end

-- k: the day's ledger key, P .. 'd:' .. <day of at>.
local function ledger(k, at, field, cost, tokens)
  if field == '' then return end  -- a level kept apart from spend reporting (a model's limits)
  redis.call('HINCRBY', k, field .. '|c', cost)
  if num(redis.call('HINCRBY', k, field .. '|r', 1)) == 1 then
    redis.call('PEXPIREAT', k, (math.floor(at / DAY) + 400) * DAY)
  end
  redis.call('HINCRBY', k, field .. '|t', tokens)
end

-- ARGV: settle, reservation id, cost nano-USD, tokens, at ms (0 = now), ledger field, levels...
-- With a reservation: releases it and charges the actual cost to the levels it reserved at.
-- An empty id, or one starting with '~', is a charge without reservation (a key without limits,
-- or a request admitted while the store was unreachable) to the budgets of the period
-- containing `at`; a '~' id is applied at most once (replays may repeat).
-- Reply: 1 charged, 0 nothing to do (already settled).
local function settle()
  local id, cost, tokens, at, field = ARGV[2], num(ARGV[3]), num(ARGV[4]), num(ARGV[5]), ARGV[6]
  if at <= 0 then at = now end
  local ledger_key = P .. 'd:' .. fmt(math.floor(at / DAY))
  if id == '' or string.sub(id, 1, 1) == '~' then
    local budgets, touched = {}, {ledger_key, P .. 'f:' .. id}
    for _, l in ipairs(levels(7)) do
      if l.budget >= 0 then
        local k, ends = budget_key(l.scope, l.period, at)
        budgets[#budgets + 1] = {k, ends}
        touched[#touched + 1] = k
      end
    end
    redis.call('EXISTS', unpack(touched))
    if id ~= '' and not redis.call('SET', P .. 'f:' .. id, 1, 'NX', 'PX', DAY) then return 0 end
    for _, b in ipairs(budgets) do
      redis.call('HINCRBY', b[1], 's', cost)
      redis.call('PEXPIREAT', b[1], b[2] + DAY)
    end
    ledger(ledger_key, at, field, cost, tokens)
    return 1
  end
  local rk = P .. 'r:' .. id
  local entries = redis.call('GET', rk)
  if not entries then return 0 end
  local touched = {ledger_key}
  for _, key in string.gmatch(entries, ENTRY) do touched[#touched + 1] = key end
  redis.call('EXISTS', unpack(touched))
  local reclaimed = string.sub(entries, 1, 2) == 'x\n'
  local minute = math.floor(now / MINUTE)
  for kind, key, amount in string.gmatch(entries, ENTRY) do
    if kind == 'b' then
      -- A budget counter outlives its period by a day, and reservations live minutes: it exists.
      if not reclaimed then redis.call('HINCRBY', key, 'r', -num(amount)) end
      redis.call('HINCRBY', key, 's', cost)
    elseif kind == 't' then
      -- Only this minute and the previous one count; older windows are left to expire.
      if num(string.match(key, ':(%-?%d+)$')) >= minute - 1 then
        redis.call('INCRBY', key, tokens - num(amount))
      end
    elseif kind == 'c' and not reclaimed then
      if num(redis.call('DECR', key)) < 0 then redis.call('SET', key, 0) end
    end
  end
  redis.call('DEL', rk)
  redis.call('ZREM', rx, id)
  ledger(ledger_key, at, field, cost, tokens)
  return 1
end

-- ARGV: read, levels... Reply: per level {spent, reserved, limit, ms until the period ends},
-- then the number of outstanding reservations of the group, then now.
local function read()
  reclaim_expired()
  local out = {}
  for _, l in ipairs(levels(2)) do
    if l.budget >= 0 then
      local k, ends = budget_key(l.scope, l.period, now)
      local v = redis.call('HMGET', k, 's', 'r')
      out[#out + 1] = {num(v[1]), num(v[2]), l.budget, ends - now}
    else
      out[#out + 1] = {0, 0, -1, 0}
    end
  end
  out[#out + 1] = redis.call('ZCARD', rx)
  out[#out + 1] = now
  return out
end

-- ARGV: spend, first day, last day (days since 1970). Reply: flat {day, field, value, ...}.
local function spend()
  local out = {}
  for d = num(ARGV[2]), num(ARGV[3]) do
    local kv = redis.call('HGETALL', P .. 'd:' .. fmt(d))
    for i = 1, #kv, 2 do
      out[#out + 1] = fmt(d)
      out[#out + 1] = kv[i]
      out[#out + 1] = kv[i + 1]
    end
  end
  return out
end

if op == 'admit' then return admit()
elseif op == 'settle' then return settle()
elseif op == 'read' then return read()
elseif op == 'spend' then return spend()
end
return redis.error_reply('limits.lua: unknown operation ' .. tostring(op))
