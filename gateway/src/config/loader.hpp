// Loads and validates the gateway's YAML configuration (docs/configuration.md is the reference).
//
// Nothing here throws: a config that does not parse or validate yields an error naming the key path,
// e.g. `models[1].deployments[0].provider: unknown provider 'x' (...) (line 12, column 19)`.
// Scalar values may use `${NAME}` and `${NAME:-default}` (environment); `$$` is a literal `$`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <switchyard/config.hpp>

namespace sy::config {

struct LoadResult {
    std::optional<Config> config;  // set on success
    std::string error;             // set iff !config
};

// Reads and validates the config file at `path`; relative plugin paths resolve against its directory.
LoadResult load_config_file(const std::string& path);

// Validates YAML text; `source_path` is the file it came from (may be empty: paths stay as written).
LoadResult load_config_string(std::string_view yaml, const std::string& source_path);

}  // namespace sy::config
