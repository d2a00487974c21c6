-- The peers' chat.lua with a pause after each answer (WRK_PAUSE_MS, per connection): a short-
-- request load that does not saturate the machine, so that its latency shows what open streams
-- cost other requests rather than how the 2 cores are shared at saturation.
dofile(os.getenv("WRK_CHAT_LUA"))
local pause = tonumber(os.getenv("WRK_PAUSE_MS") or "0")
function delay()
  return pause
end
