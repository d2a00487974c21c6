// Degraded modes of the limiter against a real redis-server that is killed or frozen.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "state_test_util.hpp"

namespace sy::state {
namespace {

using testing::limits;
using testing::principal;

std::unique_ptr<Limiter> limiter_for(test::RedisServer& redis, config::OnStoreFailure mode, double share = 1.0,
                                     int ttl_ms = 60000) {
    LimiterOptions o;
    o.on_failure = mode;
    o.local_share = share;
    o.reservation_ttl_ms = ttl_ms;
    return std::make_unique<Limiter>(std::make_shared<RedisStore>(testing::redis_options(redis.port())), o);
}

template <class Pred>
bool eventually(Pred pred, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

TEST(LimiterTest, ClosedModeRefusesWhileTheStoreIsDown) {
    test::RedisServer redis;
    auto limiter = limiter_for(redis, config::OnStoreFailure::closed);
    Principal p = principal("closed", limits(1000));
    ASSERT_EQ(limiter->admit(p, 1, 1).result, Admission::Result::admitted);
    redis.kill();
    Admission a = limiter->admit(p, 1, 1);
    EXPECT_EQ(a.result, Admission::Result::unavailable);
    EXPECT_FALSE(a.error.empty());
    EXPECT_TRUE(limiter->degraded());
}

TEST(LimiterTest, OpenModeAdmitsWhileDownAndReplaysTheSpendWhenTheStoreAnswers) {
    test::RedisServer redis;
    auto limiter = limiter_for(redis, config::OnStoreFailure::open, 1.0, 300);
    Principal p = principal("open", limits(1000000));
    limiter->settle(p, limiter->admit(p, 100, 1), 100, 1);
    redis.freeze();
    Admission a = limiter->admit(p, 100, 1);
    EXPECT_EQ(a.result, Admission::Result::admitted);
    EXPECT_EQ(a.where, Admission::Where::unenforced);
    EXPECT_TRUE(limiter->degraded());
    limiter->settle(p, a, 40, 1);
    EXPECT_EQ(limiter->pending(), 1u);
    redis.thaw();
    ASSERT_TRUE(eventually([&] { return limiter->pending() == 0; }));
    auto state = limiter->read(p);
    ASSERT_TRUE(state);
    EXPECT_EQ((*state)[0].spent_nano, 140);
    // A timed-out admit may still have run once Redis woke up; its reservation expires on its own.
    EXPECT_TRUE(eventually([&] { return limiter->outstanding(p.group) == 0; }));
    EXPECT_EQ(limiter->admit(p, 1, 1).where, Admission::Where::shared);
    EXPECT_FALSE(limiter->degraded());
}

TEST(LimiterTest, LocalModeEnforcesTheInstanceShareAndReplaysIt) {
    test::RedisServer redis;
    auto limiter = limiter_for(redis, config::OnStoreFailure::local, 0.5, 300);
    Principal p = principal("local", limits(1000));
    redis.freeze();
    Admission a = limiter->admit(p, 300, 1);
    ASSERT_EQ(a.result, Admission::Result::admitted);
    EXPECT_EQ(a.where, Admission::Where::local);
    EXPECT_EQ(limiter->admit(p, 300, 1).result, Admission::Result::rejected) << "half of 1000 is 500";
    limiter->settle(p, a, 300, 1);
    redis.thaw();
    ASSERT_TRUE(eventually([&] { return limiter->pending() == 0; }));
    auto state = limiter->read(p);
    ASSERT_TRUE(state);
    EXPECT_EQ((*state)[0].spent_nano, 300);
}

TEST(LimiterTest, SettlementsSentInTheBackgroundAllArriveAndNoneIsLostAtShutdown) {
    test::RedisServer redis;
    Principal p = principal("later", limits(1000000000, -1, -1, 500));
    {
        auto limiter = limiter_for(redis, config::OnStoreFailure::closed);
        for (int i = 0; i < 300; ++i) {
            Admission a = limiter->admit(p, 1000, 1);
            ASSERT_EQ(a.result, Admission::Result::admitted) << i;
            limiter->settle_later(p, a, 10, 1);
        }
    }  // destroyed right away: queued settlements go out before it is gone
    auto reader = limiter_for(redis, config::OnStoreFailure::closed);
    auto state = reader->read(p);
    ASSERT_TRUE(state);
    EXPECT_EQ((*state)[0].spent_nano, 3000);
    EXPECT_EQ((*state)[0].reserved_nano, 0);
    EXPECT_EQ(reader->outstanding(p.group), 0);
}

TEST(LimiterTest, EachLevelMayChooseItsDegradedModeAndTheStrictestApplies) {
    test::RedisServer redis;
    auto limiter = limiter_for(redis, config::OnStoreFailure::open);
    config::LimitsConfig strict = limits(1000), lenient = limits(1000);
    strict.on_store_failure = config::OnStoreFailure::closed;
    lenient.on_store_failure = config::OnStoreFailure::open;
    Principal both = principal("modes", lenient, strict);  // key lenient, team strict
    Principal key_only = principal("modes-open", lenient);
    redis.kill();
    EXPECT_EQ(limiter->admit(both, 1, 1).result, Admission::Result::unavailable) << "the team's closed wins";
    EXPECT_EQ(limiter->admit(key_only, 1, 1).where, Admission::Where::unenforced);
    auto closed_by_default = limiter_for(redis, config::OnStoreFailure::closed);
    EXPECT_EQ(closed_by_default->admit(key_only, 1, 1).where, Admission::Where::unenforced)
        << "a level's own mode beats state.on_failure";
}

TEST(LimiterTest, ReplayedSpendIsChargedOnceEvenIfReplayedTwice) {
    auto store = std::make_shared<MemoryStore>();
    Limiter limiter(store, {});
    Principal p = principal("replay", limits(1000));
    std::vector<std::string> keys{"sy:{" + p.group + "}:rx"};
    std::vector<std::string> args{"settle", "~once", "70", "1", "0", p.ledger_field, "1", "key:replay", "1000", "d",
                                  "-1", "-1", "-1"};
    store->eval(limits_script(), keys, args);
    store->eval(limits_script(), keys, args);
    EXPECT_EQ((*limiter.read(p))[0].spent_nano, 70);
}

// Policies' budget reads from a shared store may come from a read up to budget_view_ttl_ms old;
// admission never does.
TEST(LimiterTest, BudgetViewsAnswerReadsWithinTheirTtlButNeverAdmission) {
    test::RedisServer redis;
    ASSERT_TRUE(redis.ok());
    LimiterOptions viewing;
    viewing.budget_view_ttl_ms = 300;
    Limiter viewed(std::make_shared<RedisStore>(testing::redis_options(redis.port())), viewing);
    Limiter other(std::make_shared<RedisStore>(testing::redis_options(redis.port())), LimiterOptions{});  // another instance
    Principal p = principal("views", limits(1000));
    auto before = viewed.read(p);
    ASSERT_TRUE(before && !before->empty());
    EXPECT_EQ(before->front().spent_nano, 0);
    other.settle(p, other.admit(p, 400, 1), 400, 1);
    EXPECT_EQ(other.read(p)->front().spent_nano, 400) << "without views every read asks the store";
    EXPECT_EQ(viewed.read(p)->front().spent_nano, 0) << "within the TTL the view answers";
    EXPECT_EQ(viewed.admit(p, 700, 1).result, Admission::Result::rejected) << "admission asks the store";
    Principal q = principal("views-other", limits(1000));
    other.settle(q, other.admit(q, 100, 1), 100, 1);
    EXPECT_EQ(viewed.read(q)->front().spent_nano, 100) << "a view is per principal";
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    EXPECT_EQ(viewed.read(p)->front().spent_nano, 400) << "past the TTL the store is read again";
}

}  // namespace
}  // namespace sy::state
