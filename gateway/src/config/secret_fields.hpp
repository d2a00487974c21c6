// Which config values are secrets (docs/security.md#secrets), registered with core/secrets.hpp
// whenever a config loads so that no log, trace, error body or /admin answer shows them.
#pragma once

#include <string>
#include <vector>

#include <switchyard/config.hpp>

namespace sy::config {

// auth.keys[].key, auth.admin_key, embedders[].api_key, state.redis.password and
// sentinel.password, the values of providers[].health_check.headers and
// telemetry.tracing.headers, and in the plugin config of providers and guardrails every string
// under a name ending in key, token, secret or password, or named authorization, and every
// header value. A value of the form "<scheme> <token>" (Bearer ...) also yields the token.
std::vector<std::string> secrets_of(const Config& cfg);

}  // namespace sy::config
