-- The quickstart's routing policy (see docs/policies.md). Requests for model "auto":
--   * prompts with personal data stay on the local mock (the privacy route),
--   * short prompts go to the weak model, long ones to the strong model.
-- Any other model name passes through unchanged.
local SHORT = 200   -- prompt tokens

function route(req)
  if req.model ~= "auto" then return nil end
  if #req.pii > 0 then
    return { model = "weak", local_only = true, reason = "pii:" .. table.concat(req.pii, ",") }
  end
  if req.tokens < SHORT then return { model = "weak", reason = "short prompt" } end
  return { model = "strong", reason = "long prompt" }
end
