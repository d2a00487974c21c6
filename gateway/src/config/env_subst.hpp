// `${NAME}` substitution in config values.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sy::config {

// Looks a variable up; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (getenv).
EnvLookup process_env();

// Replaces `${NAME}` with the variable's value and `${NAME:-default}` with its value, or `default` when
// it is unset or empty; `$$` is a literal `$`, and a `$` not followed by `{` or `$` stays as it is.
// NAME is [A-Za-z_][A-Za-z0-9_]*. Returns false with `error` set for an unset variable without a default,
// a bad name or a missing `}`.
bool expand_env(std::string_view text, const EnvLookup& env, std::string& out, std::string& error);

}  // namespace sy::config
