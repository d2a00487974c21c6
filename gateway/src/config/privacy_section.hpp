// Parser for the `privacy` section: what the gateway does with personal data in prompts.
#pragma once

#include <switchyard/config.hpp>

#include "config/node_reader.hpp"

namespace sy::config {

// {actions: {<kind>: allow|redact|local_only|deny}, restore, local_models}. Model names are
// checked against cfg.models, which must be parsed already.
void parse_privacy(const NodeReader& node, const Config& cfg, PrivacyConfig& out);

// "allow" -> PiiAction::allow, ...; false for an unknown name.
bool pii_action_from_name(std::string_view name, PiiAction& out);

}  // namespace sy::config
