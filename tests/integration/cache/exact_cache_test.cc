// The exact response cache over real sockets: a deterministic request is answered once by the
// upstream and then from the cache (JSON, and as a replayed stream), at no cost; misses for
// other prompts, models, tenants and non-deterministic requests; Cache-Control; TTL expiry;
// stampede protection (50 identical requests at once, one upstream call, within one instance and
// across two sharing Redis); and a Redis cache shared by two instances.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cache_test_util.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string cached_config(const FakeUpstream& fake, const std::string& cache, const std::string& extra = "") {
    return "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
           "server: {max_threads: 128}\n"
           "providers: [{name: up, plugin: openai, base_url: \"" + fake.base_url() + "\", max_connections: 128}]\n"
           "models:\n"
           "  - {name: m, input_price_per_mtok: 1, output_price_per_mtok: 1, deployments: [{provider: up, model: x}]}\n"
           "  - {name: n, deployments: [{provider: up, model: y}]}\n"
           "  - {name: private, cache: false, deployments: [{provider: up, model: z}]}\n"
           "auth:\n  keys: [{key: sk-a, id: a, team: t1}, {key: sk-b, id: b, team: t1}]\n"
           "cache: " + cache + "\n" + extra;
}

std::string chat(const std::string& model, const std::string& text, const std::string& more = R"("temperature": 0)") {
    return R"({"model": ")" + model + R"(", )" + more + R"(, "messages": [{"role": "user", "content": ")" + text + R"("}]})";
}

std::vector<std::pair<std::string, std::string>> as(const std::string& key,
                                                    std::vector<std::pair<std::string, std::string>> more = {}) {
    more.emplace_back("Authorization", "Bearer " + key);
    return more;
}

TEST(ExactCacheTest, HitsMissesStreamsAndCost) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(cached_config(fake, "{backend: memory}"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse first = post_chat(gw.port(), chat("m", "hello cache"), as("sk-a"));
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.header("x-switchyard-cache"), "miss");
    HttpResponse second = post_chat(gw.port(), chat("m", "hello cache"), as("sk-a"));
    ASSERT_EQ(second.status, 200);
    EXPECT_EQ(second.header("x-switchyard-cache"), "hit");
    EXPECT_EQ(second.header("x-switchyard-route"), "model; cache hit");
    EXPECT_EQ(second.body, first.body) << "the stored answer, byte for byte";
    EXPECT_EQ(fake.requests(), 1);
    // Key order and the fields that do not change the answer do not matter.
    HttpResponse reordered = post_chat(gw.port(),
        R"({"messages": [{"content": "hello cache", "role": "user"}], "user": "someone", "temperature": 0, "model": "m"})", as("sk-a"));
    EXPECT_EQ(reordered.header("x-switchyard-cache"), "hit");
    // The same request streamed is replayed from the cache as SSE, usage included when asked.
    HttpResponse streamed = post_chat(gw.port(),
        chat("m", "hello cache", R"("temperature": 0, "stream": true, "stream_options": {"include_usage": true})"), as("sk-a"));
    EXPECT_EQ(streamed.header("x-switchyard-cache"), "hit");
    std::vector<std::string> events = sse_data(streamed.body);
    ASSERT_GE(events.size(), 4u) << streamed.body;
    EXPECT_EQ(events.back(), "[DONE]");
    EXPECT_NE(streamed.body.find(R"("content":"echo: hello cache")"), std::string::npos) << streamed.body;
    EXPECT_NE(events[events.size() - 2].find("\"usage\""), std::string::npos);
    EXPECT_EQ(fake.requests(), 1);

    // Misses: another prompt, another model, a model that opts out, a non-deterministic request,
    // another key (scope key), Cache-Control no-store and no-cache.
    EXPECT_EQ(post_chat(gw.port(), chat("m", "other text"), as("sk-a")).header("x-switchyard-cache"), "miss");
    EXPECT_EQ(post_chat(gw.port(), chat("n", "hello cache"), as("sk-a")).header("x-switchyard-cache"), "miss");
    EXPECT_EQ(post_chat(gw.port(), chat("private", "hello cache"), as("sk-a")).header("x-switchyard-cache"), "");
    EXPECT_EQ(post_chat(gw.port(), chat("m", "hello cache", R"("temperature": 0.7)"), as("sk-a")).header("x-switchyard-cache"), "");
    EXPECT_EQ(post_chat(gw.port(), chat("m", "hello cache", R"("seed": 7)"), as("sk-a")).header("x-switchyard-cache"), "miss");
    EXPECT_EQ(post_chat(gw.port(), chat("m", "hello cache"), as("sk-b")).header("x-switchyard-cache"), "miss")
        << "scope key: another key's answers are its own";
    EXPECT_EQ(post_chat(gw.port(), chat("m", "hello cache"), as("sk-a", {{"Cache-Control", "no-store"}})).header("x-switchyard-cache"), "");
    EXPECT_EQ(post_chat(gw.port(), chat("m", "hello cache"), as("sk-a", {{"Cache-Control", "no-cache"}})).header("x-switchyard-cache"), "miss")
        << "no-cache asks upstream (and stores the fresh answer)";
    EXPECT_EQ(fake.requests(), 9);

    EXPECT_EQ(await_metric(gw.port(), R"(switchyard_cache_hits_total{cache="exact"})", 3), 3);
    // Hits never reach a provider: only the 7 upstream answers of model m count.
    EXPECT_EQ(await_metric(gw.port(), R"(switchyard_requests_total{model="m",provider="up",status_class="2xx"})", 7), 7);
}

TEST(ExactCacheTest, EntriesExpireAfterTheirTtl) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(cached_config(fake, "{backend: memory, ttl_s: 1}"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    ASSERT_EQ(post_chat(gw.port(), chat("m", "ttl"), as("sk-a")).header("x-switchyard-cache"), "miss");
    ASSERT_EQ(post_chat(gw.port(), chat("m", "ttl"), as("sk-a")).header("x-switchyard-cache"), "hit");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_EQ(post_chat(gw.port(), chat("m", "ttl"), as("sk-a")).header("x-switchyard-cache"), "miss");
    EXPECT_EQ(fake.requests(), 2);
}

TEST(ExactCacheTest, FiftyIdenticalRequestsAtOnceMakeOneUpstreamCall) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(cached_config(fake, "{backend: memory, scope: team}"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    const std::string body = chat("m", "stampede #fake:delay_ms=500");
    Burst burst = at_once(50, [&](int i) { return post_chat(gw.port(), body, as(i % 2 ? "sk-a" : "sk-b")); });  // one team
    EXPECT_EQ(burst.ok, 50);
    EXPECT_EQ(burst.hits, 49) << "one filled, the others waited for its answer";
    EXPECT_EQ(fake.requests(), 1);
}

TEST(ExactCacheTest, ARedisCacheIsSharedByTwoInstances) {
    FakeUpstream fake;
    TwoInstances gw;
    std::string why;
    ASSERT_TRUE(fake.ok() && gw.start(cached_config(fake, "{backend: redis}"), why)) << why;
    GatewayProcess &one = *gw.one, &two = *gw.two;
    HttpResponse filled = post_chat(one.port(), chat("m", "shared"), as("sk-a"));
    EXPECT_EQ(filled.header("x-switchyard-cache"), "miss");
    // The entry is stored after the answer is sent: wait for it (a key without the ":fill" lock suffix).
    auto stored = [&] {
        std::string keys = gw.redis.cli("KEYS 'sy:cache:*'");
        for (size_t at = 0, end; at < keys.size(); at = end + 1) {
            end = keys.find('\n', at);
            if (end == std::string::npos) end = keys.size();
            std::string k = keys.substr(at, end - at);
            if (k.find("sy:cache:") != std::string::npos && !k.ends_with(":fill")) return true;
        }
        return false;
    };
    for (int i = 0; i < 250 && !stored(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    HttpResponse served = post_chat(two.port(), chat("m", "shared"), as("sk-a"));
    EXPECT_EQ(served.header("x-switchyard-cache"), "hit");
    EXPECT_EQ(served.body, filled.body);
    EXPECT_EQ(fake.requests(), 1);
    EXPECT_NE(gw.redis.cli("KEYS 'sy:cache:*'").find("sy:cache:"), std::string::npos);
}


// Across instances: the first to take the Redis fill lock asks upstream; the other instance's
// requests poll Redis for its answer instead of asking upstream too.
TEST(ExactCacheTest, FiftyIdenticalRequestsAcrossTwoInstancesMakeOneUpstreamCall) {
    FakeUpstream fake;
    TwoInstances gw;
    std::string why;
    ASSERT_TRUE(fake.ok() && gw.start(cached_config(fake, "{backend: redis, scope: team}"), why, ", pool_size: 64")) << why;
    const std::string body = chat("m", "cross-instance stampede #fake:delay_ms=1000");
    Burst burst = at_once(50, [&](int i) {
        return post_chat((i % 2 ? gw.one : gw.two)->port(), body, as(i % 4 < 2 ? "sk-a" : "sk-b"));
    });
    EXPECT_EQ(burst.ok, 50);
    EXPECT_EQ(burst.hits, 49) << "one filled, the others got its answer";
    EXPECT_EQ(fake.requests(), 1);
    EXPECT_EQ(gw.redis.cli("--scan --pattern 'sy:cache:*:fill'"), "") << "the filler released its lock";
}

}  // namespace
}  // namespace sy::test
