// Parser for the `guardrails` section: instances of guardrail plugins.
#pragma once

#include <vector>

#include <switchyard/config.hpp>

#include "config/node_reader.hpp"

namespace sy::config {

// A list of {name, plugin, config, on, timeout_ms, on_error}; names are unique [a-z0-9_]+.
void parse_guardrails(const NodeReader& node, std::vector<GuardrailConfig>& out);

}  // namespace sy::config
