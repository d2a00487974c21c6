#include "server/privacy_step.hpp"

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "policy/pii_plan.hpp"

namespace sy::server {
namespace {

using config::PiiAction;

PiiAction action_of(const policy::PiiPlan& plan, uint32_t bit) {
    return plan.deny & bit ? PiiAction::deny
           : plan.local_only & bit ? PiiAction::local_only
           : plan.redact & bit     ? PiiAction::redact
                                   : PiiAction::allow;
}

// switchyard_pii_actions_total and the access log's "kind:action" list.
std::string count_actions(const policy::PiiPlan& plan) {
    static metrics::Family& family = metrics::Gateway::get().pii_actions;
    std::string summary;
    for (size_t k = 0; k < config::kPiiKindNames.size(); ++k) {
        const uint32_t bit = 1u << k;
        if (!(plan.found & bit)) continue;
        std::string_view kind = config::kPiiKindNames[k];
        std::string_view action = config::kPiiActionNames[static_cast<size_t>(action_of(plan, bit))];
        family.with({std::string(kind), std::string(action)}).inc();
        summary.append(summary.empty() ? "" : " ").append(kind).append(":").append(action);
    }
    return summary;
}

std::optional<ApiError> redact(uint32_t kinds, ChatRequest& chat, PrivacyResult& out) {
    std::string body = chat.body;
    ChatRequest redacted;
    // Never send what could not be redacted: the body passed parse_chat_request, so this is a bug.
    if (!policy::redact_chat_body(body, kinds, out.placeholders, &out.redacted) ||
        parse_chat_request(std::move(body), redacted, true))
        return ApiError{500, "server_error", "redaction_failed", "The prompt could not be redacted", {}, {}};
    chat = std::move(redacted);
    return std::nullopt;
}

}  // namespace

std::optional<ApiError> apply_privacy(const routing::Runtime& rt, uint32_t found, const std::string& request_id,
                                      ChatRequest& chat, routing::RouteDecision& decision, PrivacyResult& out) {
    if (!found) return std::nullopt;
    const policy::PiiPlan plan = policy::plan_pii(found, rt.config().privacy, decision.pii_overrides);
    out.summary = count_actions(plan);
    if (!plan.any_action()) return std::nullopt;
    log::info("privacy", request_id + " personal data in the prompt: " + out.summary);
    if (plan.deny)
        return ApiError::bad_request("The request contains personal data (" + policy::pii_kind_list(plan.deny) +
                                         ") that may not be sent to a model",
                                     "messages", "pii_denied");
    if (plan.local_only) {
        const std::string kinds = policy::pii_kind_list(plan.local_only);
        if (!decision.local_only)  // (a policy's local_only chose a local deployment already)
            if (auto err = rt.restrict_to_local(decision, "Personal data in the prompt (" + kinds + ") requires"))
                return err;
        decision.reason += " pii_local_only(" + kinds + ")";
    }
    if (plan.redact) {
        if (auto err = redact(plan.redact, chat, out)) return err;
        decision.reason += " pii_redacted(" + policy::pii_kind_list(out.redacted) + ")";
    }
    return std::nullopt;
}

}  // namespace sy::server
