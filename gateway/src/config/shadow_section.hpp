// Parser for routers[].shadow: shadow mode's sample, baseline, budget and comparison.
#pragma once

#include <switchyard/config.hpp>

#include "config/node_reader.hpp"

namespace sy::config {

// {sample, baseline, budget_usd, period, judge: {model, randomize_order} | compare, min_similarity}
// into router.shadow; models must be configured already (cfg.models), router.candidates parsed.
void parse_shadow(const NodeReader& node, const Config& cfg, RouterConfig& router);

}  // namespace sy::config
