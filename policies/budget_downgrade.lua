-- Budget-aware downgrade: once a key has used 80% of its budget, expensive models are swapped
-- for the small one so the key lasts the month.
local THRESHOLD = 0.8

function route(req)
  if req.budget.limit_usd <= 0 or req.budget.fraction_used < THRESHOLD then return nil end
  local wanted = req.model
  local info = sy.model_info(wanted)
  if wanted == "auto" or (info and info.input_price_per_mtok > sy.model_info("small").input_price_per_mtok) then
    return { model = "small", reason = string.format("budget %d%% used", math.floor(req.budget.fraction_used * 100)) }
  end
  return nil
end
