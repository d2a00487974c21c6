// `switchyard policy test`: runs the configured policies on one request, or on a file of test
// cases with expected decisions, without calling any provider.
#pragma once

#include <string>
#include <vector>

namespace sy::cli {

// Returns the process exit code (0 ok, 1 a case failed or an error, 2 usage).
int policy_test(const std::vector<std::string>& args);

}  // namespace sy::cli
