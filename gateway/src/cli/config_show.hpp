// `switchyard config show FILE`: the config as the gateway reads it (${ENV} references
// substituted) with every secret shown as its fingerprint, for support tickets and diffs.
#pragma once

#include <string>
#include <vector>

namespace sy::cli {

// Returns the process exit code (0 shown, 1 the config does not load, 2 usage).
int config_show(const std::vector<std::string>& args);

}  // namespace sy::cli
