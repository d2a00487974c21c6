-- Privacy: a prompt holding personal data (emails, phone numbers, card numbers, IBANs, secrets,
-- national ids) never leaves for a cloud API. It is served by a local deployment instead.
function route(req)
  if #req.pii == 0 then return nil end
  local kinds = table.concat(req.pii, ",")
  sy.log("info", "personal data (" .. kinds .. ") kept on local models")
  return {
    model = "local-llm",
    local_only = true,
    reason = "pii:" .. kinds,
    labels = { privacy = "local" },
  }
end
