// What a policy sees (the input) and what it decides.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <switchyard/chat_request.hpp>
#include <switchyard/config.hpp>

namespace sy::policy {

struct PolicyInput {
    const ChatRequest& request;
    const std::vector<std::pair<std::string, std::string>>& headers;  // lower-cased names
    const config::ApiKeyConfig* key = nullptr;                         // null without auth
    double budget_spent_usd = 0;
    double budget_limit_usd = 0;  // 0 = no budget
    uint32_t pii = 0;             // bit set of PiiKind
    int64_t unix_time = 0;
    // Fills budget_spent_usd / budget_limit_usd from the state store, called only when a policy
    // reads req.budget (null: the fields above are used as they are).
    const std::function<void(double& spent_usd, double& limit_usd)>* budget_source = nullptr;
    // Scans the messages for personal data, called only when a policy reads req.pii (null: `pii`
    // above is used as it is).
    const std::function<uint32_t()>* pii_source = nullptr;
    // The request's headers, lower-cased, built only when a policy reads req.headers (null:
    // `headers` above is used).
    const std::function<const std::vector<std::pair<std::string, std::string>>&()>* headers_source = nullptr;
};

struct Decision {
    std::string model;
    std::string router;
    std::optional<double> threshold;
    std::vector<std::string> candidates;
    std::vector<std::string> fallbacks;
    std::optional<std::string> deny;
    int deny_status = 403;
    std::vector<std::pair<std::string, std::string>> labels;
    bool local_only = false;
    bool continue_chain = false;
    std::string reason;
    std::string session;  // decision.session: the conversation's key for sticky routing
    bool sticky = false;  // decision.sticky: the session keeps the model of its first turn
    // decision.pii: per detector kind, the action that replaces privacy.actions for this request.
    std::array<std::optional<config::PiiAction>, config::kPiiKindNames.size()> pii_actions{};

    bool empty() const {
        for (const auto& a : pii_actions)
            if (a) return false;
        return model.empty() && router.empty() && !deny && candidates.empty() && fallbacks.empty() &&
               labels.empty() && !local_only && !threshold && !sticky && session.empty();
    }
};

// The outcome of running the policy chain on one request.
struct Outcome {
    std::optional<Decision> decision;  // merged decision, absent when no policy had an opinion
    std::string policy;                // name of the policy that decided (last one merged)
    std::string error;                 // a failing policy with on_error: closed
    std::vector<std::string> failed;   // policies that failed (open: skipped)
};

}  // namespace sy::policy
