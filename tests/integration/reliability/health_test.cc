// Health beyond one instance's own failures: an ejection one gateway makes reaches another
// through a shared redis-server (and so does the recovery), and active health checks take a
// provider whose check fails out of rotation before any request fails on it, and bring it back.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "reliability_support.hpp"

namespace sy::test {
namespace {

// Polls until `done` holds or `ms` pass.
bool eventually(const std::function<bool()>& done, int ms = 5000) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return done();
}

const char* kEjected = R"(switchyard_deployment_ejected{provider="bad",model="x"})";

TEST(SharedHealthTest, AnEjectionOnOneInstanceReachesAnotherThroughRedisAndSoDoesTheRecovery) {
    RedisServer redis;
    ASSERT_TRUE(redis.ok());
    int bad_port = free_port();
    auto bad = std::make_unique<FakeUpstream>("--status 500 --port " + std::to_string(bad_port));
    FakeUpstream good;
    ASSERT_TRUE(bad->ok() && good.ok());
    std::string yaml = config(provider("bad", bad_port) + provider("good", good.port()),
                              "  - {name: m, balancing: priority, deployments: [{provider: bad, model: x}, {provider: good, model: x, priority: 1}]}\n") +
                       "state: {backend: redis, redis: {address: \"" + redis.address() + "\"}}\n";
    yaml.replace(yaml.find("cooldown_ms: 400"), 16, "cooldown_ms: 1500");
    yaml.replace(yaml.find("  outlier_detection: {"), 22, "  outlier_detection: {sync_interval_ms: 50, ");
    GatewayProcess one(yaml), two(yaml);
    ASSERT_TRUE(one.ok()) << one.log();
    ASSERT_TRUE(two.ok()) << two.log();
    for (int i = 0; i < 2; ++i) ASSERT_EQ(post_chat(one.port(), chat("m")).status, 200);
    ASSERT_EQ(metric(one.port(), kEjected), 1) << "two failures in a row on instance one";
    ASSERT_TRUE(eventually([&] { return metric(two.port(), kEjected) == 1; })) << two.log();
    const int before = requests_of(*bad);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(post_chat(two.port(), chat("m")).header("x-switchyard-provider"), "good");
    EXPECT_EQ(requests_of(*bad), before) << "instance two never tried the deployment instance one ejected";
    EXPECT_NE(redis.cli("HGETALL sy:health").find("bad\nx"), std::string::npos);

    // It recovers; instance one's probe succeeds and clears the shared record; both serve from it.
    bad.reset();
    FakeUpstream healed("--port " + std::to_string(bad_port));
    ASSERT_TRUE(healed.ok());
    ASSERT_TRUE(eventually([&] {
        post_chat(one.port(), chat("m"));
        return metric(one.port(), kEjected) == 0;
    }));
    EXPECT_TRUE(eventually([&] { return metric(two.port(), kEjected) == 0; }));
    EXPECT_TRUE(eventually([&] { return redis.cli("HLEN sy:health").find('0') == 0; })) << redis.cli("HGETALL sy:health");
    for (int i = 0; i < 20; ++i) ASSERT_EQ(post_chat(two.port(), chat("m")).status, 200);
    EXPECT_GE(requests_of(healed), 3) << "back in rotation on instance two";
}

TEST(HealthCheckTest, AFailingCheckTakesAProviderOutBeforeRequestsFailAndAPassingOneBringsItBack) {
    int port = free_port();
    auto sick = std::make_unique<FakeUpstream>("--status 503 --port " + std::to_string(port));
    FakeUpstream good;
    ASSERT_TRUE(sick->ok() && good.ok());
    // GET /v1/health answers the fake's --status.
    std::string checked = "  - {name: checked, plugin: openai, base_url: \"http://127.0.0.1:" + std::to_string(port) +
                          "/v1\", health_check: {path: /health, interval_ms: 100, timeout_ms: 300, failures: 2}}\n";
    GatewayProcess gw(config(checked + provider("good", good.port()),
                             "  - {name: m, deployments: [{provider: checked, model: x}, {provider: good, model: x}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    const char* up = R"(switchyard_provider_health_check_up{provider="checked"})";
    ASSERT_TRUE(eventually([&] { return metric(gw.port(), up) == 0; })) << gw.log();
    EXPECT_EQ(metric(gw.port(), R"(switchyard_deployment_ejected{provider="checked",model="x"})"), 1);
    for (int i = 0; i < 10; ++i) {
        HttpResponse r = post_chat(gw.port(), chat("m"));
        ASSERT_EQ(r.status, 200);
        EXPECT_EQ(r.header("x-switchyard-route"), "model") << "no request had to fail over";
    }
    EXPECT_EQ(requests_of(*sick), 0) << "no chat request reached the provider whose check fails";

    sick.reset();
    FakeUpstream healed("--port " + std::to_string(port));
    ASSERT_TRUE(healed.ok());
    ASSERT_TRUE(eventually([&] { return metric(gw.port(), up) == 1; })) << gw.log();
    EXPECT_EQ(metric(gw.port(), R"(switchyard_deployment_ejected{provider="checked",model="x"})"), 0);
    for (int i = 0; i < 20; ++i) ASSERT_EQ(post_chat(gw.port(), chat("m")).status, 200);
    EXPECT_GE(requests_of(healed), 3) << "back in rotation";
}

}  // namespace
}  // namespace sy::test
