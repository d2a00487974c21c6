-- Business hours and fallback chains: during office hours (Monday to Friday, 08:00-18:00 UTC)
-- auto traffic goes to the flagship with the small model as fallback; outside them to the
-- small model, falling back to the local one.
function route(req)
  if req.model ~= "auto" then return nil end
  local t = req.time
  local office = t.weekday <= 5 and t.hour >= 8 and t.hour < 18
  if office then
    return { model = "flagship", fallbacks = { "small" }, reason = "office hours" }
  end
  return { model = "small", fallbacks = { "local-llm" }, reason = "after hours" }
end
