// The gateway binary with broken plugins beside good ones: it refuses each with a clear message
// and keeps serving with the others; `plugins inspect` and `config check` report the same.
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string fixture_dir() { return build_dir() + "/lib/switchyard/test-plugins"; }

std::string config_with_fixtures(const std::string& router_plugin) {
    return R"(
plugins:
  search_paths: [")" + plugin_dir() + R"(", ")" + fixture_dir() + R"("]
providers:
  - name: local
    plugin: mock
models:
  - name: m1
    deployments: [{provider: local}]
  - name: m2
    deployments: [{provider: local}]
routers:
  - name: r
    plugin: )" + router_plugin + R"(
    candidates: [m1, m2]
)";
}

TEST(BrokenPluginsTest, GatewayServesWhileRefusingBrokenPlugins) {
    GatewayProcess gw(config_with_fixtures("good_router"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = post_chat(gw.port(), R"({"model": "router-r", "messages": [{"role": "user", "content": "hi"}]})");
    EXPECT_EQ(r.status, 200) << r.body;
    std::string log = gw.log();
    EXPECT_NE(log.find("bad_major.so: refused: plugin ABI major"), std::string::npos) << log;
    EXPECT_NE(log.find("no_entry.so: missing entry symbol"), std::string::npos) << log;
    EXPECT_NE(log.find("bad_magic.so: refused: bad magic"), std::string::npos) << log;
}

TEST(BrokenPluginsTest, ConfigUsingAFailingPluginIsRefusedWithItsMessage) {
    std::string dir = make_temp_dir();
    write_file(dir + "/c.yaml", config_with_fixtures("init_fails"));
    Process p({gateway_binary(), "config", "check", dir + "/c.yaml"}, dir + "/log");
    EXPECT_EQ(p.wait(10000), 1);
    EXPECT_NE(p.log().find("routers[0]: router 'r' (plugin init_fails): init_fails: refusing to start"),
              std::string::npos) << p.log();
    remove_tree(dir);
}

TEST(BrokenPluginsTest, InspectPrintsDescriptorJson) {
    std::string dir = make_temp_dir();
    Process p({gateway_binary(), "plugins", "inspect", plugin_dir() + "/openai.so"}, dir + "/log");
    EXPECT_EQ(p.wait(10000), 0);
    std::string out = p.log();
    EXPECT_NE(out.find("\"name\": \"openai\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"kind\": \"provider\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"abi_major\": 1"), std::string::npos) << out;
    Process bad({gateway_binary(), "plugins", "inspect", fixture_dir() + "/bad_major.so"}, dir + "/log2");
    EXPECT_EQ(bad.wait(10000), 1);
    EXPECT_NE(bad.log().find("differs from the host's ABI major 1"), std::string::npos) << bad.log();
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
