-- Worst cases the sandbox's pattern guard still allows (lua_sandbox.hpp: at most 10^7 estimated
-- steps), timed with the stock interpreter, whose matcher is the one policies use:
--   lua5.4 tests/bench/policy/pattern_bounds.lua
-- docs/security.md#lua-policies quotes the figures.
local function time(label, f)
  local c = os.clock()
  for _ = 1, 3 do f() end
  print(string.format("%-34s %6.1f ms", label, (os.clock() - c) * 1000 / 3))
end
local function find(n, pattern) return function() string.find(string.rep('a', n), pattern) end end
local function optional(q) return string.rep('a?', q) .. string.rep('a', q) .. 'b' end

time("'a*b' on 3162 bytes (k=1)", find(3162, 'a*b'))
time("'a-b' on 3162 bytes (k=1)", find(3162, 'a-b'))
time("'a*a*b' on 215 bytes (k=2)", find(215, 'a*a*b'))
time("'a*a*a*b' on 56 bytes (k=3)", find(56, 'a*a*a*b'))
time("'(a*)%1b' on 215 bytes (k=2)", find(215, '(a*)%1b'))
time("'%b()' on 3162 bytes (k=1)", function() string.find(string.rep('(', 3162), '%b()') end)
time("'a?'x14 .. on 14 bytes (q=14)", find(14, optional(14)))
time("'a?'x8 .. on 1562 bytes (q=8)", find(1562, optional(8)))
time("'a?a*b' on 1581 bytes (k=1, q=1)", find(1581, 'a?a*b'))
