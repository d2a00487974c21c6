-- A realistic 30-line operator policy for the benchmarks: tiers, budget, privacy, code, length;
-- the rest of `auto` goes to the mf router. (tests/bench/policy and the gateway benchmark.)
local CODE_WORDS = { "python", "javascript", "sql", "stack trace", "compile", "segfault" }
local EASY = { "classify", "extract", "translate" }

function route(req)
  if req.metadata.integration == "retired" then
    return { deny = "integration retired", status = 403 }
  end
  if #req.pii > 0 then
    return { model = "local-llm", local_only = true, reason = "pii" }
  end
  local tier = req.key.tier
  if tier == "" then tier = req.headers["x-tier"] or "free" end
  if req.budget.limit_usd > 0 and req.budget.fraction_used > 0.8 then
    return { model = "small", reason = "budget" }
  end
  if req.model ~= "auto" then return nil end
  local text = req.last_user_message
  if sy.contains_any(text, CODE_WORDS) or sy.matches(text, "```|\\bdef \\w+\\(") then
    return { model = "coder", reason = "code", labels = { tier = tier } }
  end
  if req.system ~= "" and sy.contains_any(req.system, EASY) then
    return { model = "small", reason = "easy task" }
  end
  if tier == "pro" or req.tokens > 400 then
    return { model = "flagship", reason = tier == "pro" and "pro" or "long" }
  end
  return { router = "mf", reason = "auto" }  -- the rest: the mf router decides
end
