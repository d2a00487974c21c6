// switchyard audit --log FILE [--log FILE]... [--feedback FILE] [--json] [--drift-threshold X]
// (docs/cli.md, docs/savings.md).
#pragma once

#include <string>
#include <vector>

namespace sy::cli {

// Returns the exit code: 0 ok, 1 a file cannot be read, 2 usage.
int audit(const std::vector<std::string>& args);

}  // namespace sy::cli
