-- User tier: pro keys (or an x-tier: pro header from a trusted front end) get the flagship,
-- free keys get the small model, whatever they asked for.
function route(req)
  local tier = req.key.tier
  if tier == "" then tier = req.headers["x-tier"] or "" end
  if tier == "pro" then return { model = "flagship", reason = "pro tier", labels = { tier = "pro" } } end
  if tier == "free" then return { model = "small", reason = "free tier", labels = { tier = "free" } } end
  return nil
end
