// Which action each kind of personal data found in a prompt gets: the privacy settings, or what
// a policy decided for this request instead (decision.pii).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <switchyard/config.hpp>

namespace sy::policy {

using PiiOverrides = std::array<std::optional<config::PiiAction>, config::kPiiKindNames.size()>;

// Bit sets (bit i = PiiKind i) of the kinds found, by the action each gets.
struct PiiPlan {
    uint32_t found = 0;
    uint32_t redact = 0;
    uint32_t local_only = 0;
    uint32_t deny = 0;
    bool any_action() const { return (redact | local_only | deny) != 0; }
};

PiiPlan plan_pii(uint32_t found, const config::PrivacyConfig& cfg, const PiiOverrides& overrides);

// "email, iban": the names of the kinds in a bit set.
std::string pii_kind_list(uint32_t kinds);

}  // namespace sy::policy
