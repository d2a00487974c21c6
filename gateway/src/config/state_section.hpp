// Parsers for the budget and limit settings: `limits` maps (keys, teams, end users), `teams`,
// and the `state` section (store backend, Redis, degraded mode).
#pragma once

#include <switchyard/config.hpp>

#include "config/node_reader.hpp"

namespace sy::config {

// {budget_usd, period, rpm, tpm, max_concurrent}
void parse_limits(const NodeReader& node, LimitsConfig& out);
// {name, limits, user_limits}
void parse_team(const NodeReader& node, TeamConfig& out);
// {backend, redis, key_prefix, on_failure, local_share, reservation_ttl_ms}
void parse_state(const NodeReader& node, StateConfig& out);
// A string map such as labels: {name: value}.
// A map of strings (labels, headers); `what` names its keys in errors.
void parse_labels(const NodeReader& node, std::vector<std::pair<std::string, std::string>>& out,
                  std::string_view what = "label");

}  // namespace sy::config
