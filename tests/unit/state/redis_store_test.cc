// The Redis store against a real redis-server: scripts survive SCRIPT FLUSH, and a dead or frozen
// server costs a caller at most the configured timeouts, then nothing while the breaker is open.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "state_test_util.hpp"

namespace sy::state {
namespace {

int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

Reply ping(Store& s) { return s.command(std::vector<std::string>{"PING"}); }

TEST(RedisStoreTest, RunsScriptsAndReloadsThemAfterScriptFlush) {
    test::RedisServer redis;
    ASSERT_TRUE(redis.ok());
    RedisStore store(testing::redis_options(redis.port()));
    Script s("answer", "return {tonumber(ARGV[1]) + 1, KEYS[1]}");
    std::vector<std::string> keys{"k"}, args{"41"};
    Reply r = store.eval(s, keys, args);
    ASSERT_TRUE(r.ok()) << r.str;
    EXPECT_EQ(r.int_at(0), 42);
    EXPECT_EQ(r.str_at(1), "k");
    redis.cli("SCRIPT FLUSH");
    EXPECT_EQ(store.eval(s, keys, args).int_at(0), 42);
}

TEST(RedisStoreTest, PipelinesABatchOfCallsAndReloadsTheScriptOnce) {
    test::RedisServer redis;
    RedisStore store(testing::redis_options(redis.port()));
    Script s("incr", "return redis.call('INCRBY', KEYS[1], ARGV[1])");
    std::vector<ScriptCall> calls;
    for (int i = 1; i <= 50; ++i) calls.push_back({{"counter"}, {std::to_string(i)}});
    std::vector<Reply> first = store.eval_many(s, calls);  // not loaded yet: NOSCRIPT, then loaded
    ASSERT_EQ(first.size(), 50u);
    for (size_t i = 0; i < first.size(); ++i) EXPECT_TRUE(first[i].ok()) << i << ": " << first[i].str;
    EXPECT_EQ(first.back().integer, 50 * 51 / 2);
    redis.cli("SCRIPT FLUSH");
    std::vector<Reply> second = store.eval_many(s, calls);
    EXPECT_EQ(second.back().integer, 50 * 51);
    redis.kill();
    std::vector<Reply> down = store.eval_many(s, calls);
    ASSERT_EQ(down.size(), 50u);
    EXPECT_EQ(down[7].type, Reply::Type::failure);
}

TEST(RedisStoreTest, AScriptErrorIsAnErrorNotAnOutage) {
    test::RedisServer redis;
    RedisStore store(testing::redis_options(redis.port()));
    Script s("broken", "return redis.call('NOSUCHCOMMAND')");
    for (int i = 0; i < 5; ++i) {
        Reply r = store.eval(s, std::vector<std::string>{"k"}, std::vector<std::string>{});
        EXPECT_EQ(r.type, Reply::Type::error);
    }
    EXPECT_TRUE(store.healthy());
}

TEST(RedisStoreTest, AKilledServerFailsFastAndRecoversWhenRestarted) {
    test::RedisServer redis;
    RedisOptions o = testing::redis_options(redis.port());
    RedisStore store(o);
    ASSERT_TRUE(ping(store).ok());
    redis.kill();
    for (int i = 0; i < 10; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        Reply r = ping(store);
        EXPECT_EQ(r.type, Reply::Type::failure);
        EXPECT_LE(elapsed_ms(t0), o.connect_timeout_ms + o.command_timeout_ms + 50);
    }
    EXPECT_FALSE(store.healthy());
    ASSERT_TRUE(redis.start());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!ping(store).ok() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(ping(store).ok());
    EXPECT_TRUE(store.healthy());
}

TEST(RedisStoreTest, AFrozenServerCostsAtMostTheCommandTimeoutThenFailsFast) {
    test::RedisServer redis;
    RedisOptions o = testing::redis_options(redis.port());
    RedisStore store(o);
    ASSERT_TRUE(ping(store).ok());
    redis.freeze();
    int64_t slowest = 0;
    int fast = 0;
    for (int i = 0; i < 10; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        EXPECT_EQ(ping(store).type, Reply::Type::failure);
        int64_t took = elapsed_ms(t0);
        slowest = std::max(slowest, took);
        if (took < 5) ++fast;
    }
    redis.thaw();
    EXPECT_LE(slowest, o.connect_timeout_ms + o.command_timeout_ms + 50);
    EXPECT_GE(fast, 10 - o.breaker_failures) << "the breaker should answer at once after it opens";
}

TEST(RedisStoreTest, WrongPasswordIsReportedAsAFailure) {
    test::RedisServer redis;
    redis.cli("CONFIG SET requirepass s3cret");
    RedisOptions o = testing::redis_options(redis.port());
    o.password = "wrong";
    RedisStore bad(o);
    Reply r = ping(bad);
    EXPECT_EQ(r.type, Reply::Type::failure);
    EXPECT_NE(r.str.find("AUTH"), std::string::npos) << r.str;
    o.password = "s3cret";
    RedisStore good(o);
    EXPECT_TRUE(ping(good).ok());
}

}  // namespace
}  // namespace sy::state
