// The semantic router in a running gateway: routes by example prompts, the default below the
// threshold, and configs it refuses at load.
#include <gtest/gtest.h>

#include <regex>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "router_configs.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string config(const std::string& router_config) {
    return mock_gateway({"general", "coder", "writer"}, R"(routers:
  - name: tasks
    plugin: semantic
    candidates: [general, coder, writer]
    config:
)" + router_config);
}

const char* kRoutes = R"(      threshold: 0.3
      default: general
      routes:
        - name: code
          model: coder
          examples:
            - "write a python function that parses a csv file and returns a list of rows"
            - "fix the segmentation fault in this C function that copies a string"
            - "refactor this javascript class to use async functions"
        - name: writing
          model: writer
          examples:
            - "draft a friendly email to a customer about a delayed order"
            - "write a short story about a lighthouse keeper and the sea"
            - "compose a poem about autumn leaves"
)";

std::string ask(int port, const std::string& text) {
    HttpResponse r = post_chat(port, R"({"model": "router-tasks", "messages": [{"role": "user", "content": ")" + text + R"("}]})");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.header("x-switchyard-model") + " | " + r.header("x-switchyard-route");
}

TEST(SemanticRouterTest, RoutesByTheNearestExamples) {
    GatewayProcess gw(config(kRoutes));
    ASSERT_TRUE(gw.ok()) << gw.log();
    std::string code = ask(gw.port(), "write a python function that parses a json file and returns the keys");
    EXPECT_TRUE(std::regex_search(code, std::regex("^coder \\| router:tasks semantic route=code sim=0\\.[0-9]+ -> coder$"))) << code;
    std::string story = ask(gw.port(), "write a short story about a lighthouse in a storm");
    EXPECT_EQ(story.substr(0, 7), "writer ") << story;
    std::string other = ask(gw.port(), "zzz qqq");
    EXPECT_TRUE(std::regex_search(other, std::regex("^general \\| router:tasks semantic no route \\(best \\w+ sim=.*<0\\.30\\) -> general$")))
        << other;
}

TEST(SemanticRouterTest, RefusesRoutesToModelsThatAreNotCandidates) {
    std::string dir = make_temp_dir();
    struct Case {
        std::string router_config;
        std::string message;
    } cases[] = {
        {"      routes: [{name: x, model: nobody, examples: [hi]}]\n", "model 'nobody' of a route is not a candidate"},
        {"      default: nobody\n      routes: [{name: x, model: coder, examples: [hi]}]\n", "model 'nobody' of a route is not a candidate"},
        {"      routes: []\n", "semantic: config.routes: must be a non-empty list"},
        {"      routes: [{name: x, model: coder, examples: []}]\n", "config.routes[0].examples: must be a non-empty list"},
        {"      embedder: nope\n      routes: [{name: x, model: coder, examples: [hi]}]\n", "unknown embedder 'nope'"},
    };
    for (const auto& c : cases) {
        write_file(dir + "/c.yaml", config(c.router_config));
        std::string out = capture(gateway_binary() + " config check " + dir + "/c.yaml 2>&1");
        EXPECT_NE(out.find("routers[0]"), std::string::npos) << out;
        EXPECT_NE(out.find(c.message), std::string::npos) << out;
    }
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
