-- Deny with a message: requests tagged as coming from a blocked integration, and prompts
-- asking for other users' credentials, are refused before any model is called.
local BLOCKED = { ["legacy-crm"] = true }

function route(req)
  if BLOCKED[req.metadata.integration or ""] then
    return { deny = "The legacy-crm integration is retired; use the new connector", status = 403 }
  end
  if sy.contains_any(req.last_user_message, { "password dump", "credential dump" }) then
    return { deny = "Requests for credentials are not allowed", status = 400 }
  end
  return nil
end
