#include "cli/policy_test.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <switchyard/log.hpp>

#include "routing/policy_cases.hpp"
#include "server/gateway.hpp"

namespace sy::cli {

int policy_test(const std::vector<std::string>& args) {
    std::string config_path, request_path, cases_path;
    for (size_t i = 0; i + 1 < args.size(); i += 2) {
        if (args[i] == "--config") config_path = args[i + 1];
        else if (args[i] == "--request") request_path = args[i + 1];
        else if (args[i] == "--cases") cases_path = args[i + 1];
        else {
            std::fprintf(stderr, "policy test: unexpected argument '%s'\n", args[i].c_str());
            return 2;
        }
    }
    if (args.size() % 2 != 0 || config_path.empty() || (request_path.empty() == cases_path.empty())) {
        std::fprintf(stderr, "usage: switchyard policy test --config FILE (--request REQ.json | --cases FILE.yaml)\n");
        return 2;
    }
    log::set_level(log::Level::warn);
    std::string error;
    auto rt = server::build_runtime_from_file(config_path, error);
    if (!rt) {
        std::fprintf(stderr, "%s: %s\n", config_path.c_str(), error.c_str());
        return 1;
    }
    if (!cases_path.empty()) {
        routing::CaseReport report = routing::run_policy_cases(*rt, cases_path);
        std::fputs(report.text.c_str(), stdout);
        return report.ok() ? 0 : 1;
    }
    std::ifstream in(request_path);
    if (!in) {
        std::fprintf(stderr, "%s: cannot read\n", request_path.c_str());
        return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string parse_error;
    std::string out = routing::route_request_json(*rt, ss.str(), parse_error);
    if (!parse_error.empty()) {
        std::fprintf(stderr, "%s: %s\n", request_path.c_str(), parse_error.c_str());
        return 1;
    }
    std::printf("%s\n", out.c_str());
    return 0;
}

}  // namespace sy::cli
