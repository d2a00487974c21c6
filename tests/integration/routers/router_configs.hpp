// Config text shared by the router tests: the bundled plugins and in-process mock models.
#pragma once

#include <string>
#include <vector>

#include "support/servers.hpp"

namespace sy::test {

// plugins, one mock provider and `models` (each "name" or a full YAML flow map), then `rest`.
inline std::string mock_gateway(const std::vector<std::string>& models, const std::string& rest) {
    std::string out = "\nplugins:\n  search_paths: [\"" + plugin_dir() + "\"]\nproviders:\n  - {name: local, plugin: mock}\nmodels:\n";
    for (const auto& m : models)
        out += m.front() == '{' ? "  - " + m + "\n" : "  - {name: " + m + ", deployments: [{provider: local}]}\n";
    return out + rest;
}

}  // namespace sy::test
