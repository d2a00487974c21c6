// Process lifecycle: graceful drain on SIGTERM, reload on SIGHUP, refusing bad configs.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include "support/http_client.hpp"
#include "test_configs.hpp"

namespace sy::test {
namespace {

TEST(LifecycleTest, SigtermDrainsInFlightStreamThenExitsZero) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(fake_upstream_config(fake));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpClient c(gw.port());
    ASSERT_TRUE(c.send_request("POST", "/v1/chat/completions",
                               chat_body("gpt-test", "drain #fake:chunk_delay_ms=50,words=20", true)));
    HttpResponse head;
    ASSERT_TRUE(c.read_head(head));
    ASSERT_EQ(head.status, 200);
    ASSERT_TRUE(gw.process().signal(SIGTERM));
    std::string body;
    while (c.read_some(body)) {
    }
    EXPECT_NE(body.find("[DONE]"), std::string::npos) << "stream was cut during drain: " << body;
    EXPECT_EQ(gw.process().wait(10000), 0) << gw.log();
    EXPECT_FALSE(wait_for_port(gw.port(), 200));
}

TEST(LifecycleTest, SighupReloadsAndKeepsRunningConfigWhenInvalid) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    std::string yaml = fake_upstream_config(fake);
    GatewayProcess gw(yaml);
    ASSERT_TRUE(gw.ok()) << gw.log();
    // A broken config is refused and the old one keeps serving.
    write_file(gw.dir() + "/config.yaml", "models: [");
    ASSERT_TRUE(gw.process().signal(SIGHUP));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(post_chat(gw.port(), chat_body("gpt-test", "still here")).status, 200);
    EXPECT_NE(gw.log().find("keeping the running config"), std::string::npos) << gw.log();
    // A valid new config with an extra alias takes effect.
    std::string with_alias = yaml;
    with_alias.replace(with_alias.find("aliases: [cheap]"), 16, "aliases: [cheap, thrifty]");
    write_file(gw.dir() + "/config.yaml", with_alias);
    ASSERT_TRUE(gw.process().signal(SIGHUP));
    int status = 0;
    for (int i = 0; i < 50 && status != 200; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        status = post_chat(gw.port(), chat_body("thrifty", "new alias")).status;
    }
    EXPECT_EQ(status, 200) << gw.log();
}

TEST(LifecycleTest, ServeRefusesInvalidConfigWithTheKeyName) {
    std::string dir = make_temp_dir();
    write_file(dir + "/bad.yaml", "server:\n  max_threads: 0\n");
    Process p({gateway_binary(), "serve", "--config", dir + "/bad.yaml"}, dir + "/log");
    EXPECT_EQ(p.wait(10000), 1);
    EXPECT_NE(p.log().find("server.max_threads"), std::string::npos) << p.log();
    remove_tree(dir);
}

TEST(LifecycleTest, ConfigCheckAcceptsTheQuickstart) {
    std::string dir = make_temp_dir();
    Process p({gateway_binary(), "config", "check", source_dir() + "/deploy/quickstart.yaml"}, dir + "/log");
    EXPECT_EQ(p.wait(10000), 0) << p.log();
    EXPECT_NE(p.log().find("ok"), std::string::npos);
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
