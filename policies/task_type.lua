-- Task type from the system prompt: extraction and classification are easy, small model;
-- reasoning-heavy work (proofs, plans, legal review) goes to the flagship.
local EASY = { "classify", "extract", "categorize", "tag", "translate" }
local HARD = { "prove", "step by step", "legal", "strategy", "architecture" }

function route(req)
  if req.model ~= "auto" or req.system == "" then return nil end
  if sy.contains_any(req.system, HARD) then return { model = "flagship", reason = "hard task" } end
  if sy.contains_any(req.system, EASY) then return { model = "small", reason = "easy task" } end
  return nil
end
