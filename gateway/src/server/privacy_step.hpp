// The data-protection step of a chat request, after routing and before anything leaves: each
// kind of personal data found in the prompt gets its action (privacy.actions, or decision.pii of
// a policy): deny answers 400, local_only keeps the request on local deployments, redact
// replaces the values with placeholders (and the answer gets them back with privacy.restore).
#pragma once

#include <optional>
#include <string>

#include <switchyard/api_error.hpp>
#include <switchyard/chat_request.hpp>

#include "policy/pii_redaction.hpp"
#include "routing/runtime.hpp"

namespace sy::server {

struct PrivacyResult {
    policy::PiiPlaceholders placeholders;  // this request's, when values were redacted
    uint32_t redacted = 0;                 // kinds replaced in the prompt
    std::string summary;                   // "email:redact iban:local_only" for the access log
};

// `found` is the bit set of kinds in the prompt. May rewrite `chat` (redaction) and `decision`
// (local_only). Logs and counts kinds and actions, never values.
std::optional<ApiError> apply_privacy(const routing::Runtime& rt, uint32_t found, const std::string& request_id,
                                      ChatRequest& chat, routing::RouteDecision& decision, PrivacyResult& out);

}  // namespace sy::server
