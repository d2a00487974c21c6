// Policy test cases (`<policy>_test.yaml`): requests with expected decisions, run against a
// runtime without calling any provider. Used by `switchyard policy test --cases`, by the test
// suite, and by reloads, which refuse a policy set whose recorded cases fail.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "routing/runtime.hpp"

namespace sy::routing {

struct CaseReport {
    int passed = 0;
    int failed = 0;
    std::string text;   // one line per case ("ok   name" / "FAIL name" + details), then the totals
    bool ok() const { return failed == 0 && passed > 0; }
};

// Runs the cases in a YAML file ({cases: [...]}, see docs/policies.md).
CaseReport run_policy_cases(const Runtime& rt, const std::string& path);

// Routes one JSON request as the gateway would, printing the outcome as JSON.
std::string route_request_json(const Runtime& rt, const std::string& body_json, std::string& parse_error);

// A YAML value as JSON text (maps, lists, plain scalars typed as bool, integer or number).
std::string yaml_to_json_text(const YAML::Node& node);

}  // namespace sy::routing
