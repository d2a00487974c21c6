-- Token-count routing: short prompts to the small model, long ones to the flagship.
-- Only requests that left the choice to the gateway (model "auto") are routed.
local SHORT = 200   -- prompt tokens

function route(req)
  if req.model ~= "auto" then return nil end
  if req.tokens < SHORT then
    return { model = "small", reason = "short prompt" }
  end
  return { model = "flagship", reason = "long prompt" }
end
