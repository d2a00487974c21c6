// Free-form plugin settings (providers[].config, routers[].config) as the JSON text plugins receive.
#pragma once

#include <string>

#include "config/node_reader.hpp"

namespace sy::config {

// Converts `node` to JSON: maps to objects, lists to arrays, null to null; a plain scalar becomes a bool
// (true/false), an integer, a number, or else a string; quoted (and block or tagged) scalars stay strings.
// ${ENV} substitution applies to scalars before typing. Errors (bad substitution, nesting deeper than
// 64 levels, more than 100000 values) go to the node's LoadContext; returns false on error.
bool yaml_to_json(const NodeReader& node, std::string& out);

// A plugin's `config:` map as JSON; absent or null leaves `out` ("{}"), anything but a map is an error.
void read_plugin_config(const NodeReader& node, std::string& out);

}  // namespace sy::config
