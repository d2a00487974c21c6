// The limits semantics, run through the Limiter on the in-process store (native, called directly
// and through the script's string arguments), on limits.lua under the in-process Lua shim, and on
// limits.lua in a real redis-server: reservations, budgets, windows, concurrency, expiry and
// settlement behave the same on each.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "state_test_util.hpp"

namespace sy::state {
namespace {

using testing::limits;
using testing::principal;

class LimitsScriptTest : public ::testing::TestWithParam<std::string> {
protected:
    static void SetUpTestSuite() { redis_ = new test::RedisServer(); }
    static void TearDownTestSuite() {
        delete redis_;
        redis_ = nullptr;
    }

    void SetUp() override {
        if (GetParam() == "redis") {
            ASSERT_TRUE(redis_->ok()) << "redis-server did not start";
            store_ = std::make_shared<RedisStore>(testing::redis_options(redis_->port()));
        } else if (GetParam() == "memory_script") {
            store_ = std::make_shared<testing::ForwardingStore>(std::make_shared<MemoryStore>());
        } else {
            store_ = std::make_shared<MemoryStore>(GetParam() == "memory");  // memory_lua: the script on the shim
        }
        LimiterOptions o;
        o.on_failure = config::OnStoreFailure::closed;
        o.reservation_ttl_ms = 60000;
        limiter_ = std::make_unique<Limiter>(store_, o);
        // Every test uses names of its own; the redis server is shared by the suite.
        name_ = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" + GetParam();
        for (char& c : name_)
            if (c == '/') c = '-';
    }

    std::unique_ptr<Limiter> limiter_with_ttl(int ttl_ms) {
        LimiterOptions o;
        o.on_failure = config::OnStoreFailure::closed;
        o.reservation_ttl_ms = ttl_ms;
        return std::make_unique<Limiter>(store_, o);
    }

    static test::RedisServer* redis_;
    std::shared_ptr<Store> store_;
    std::unique_ptr<Limiter> limiter_;
    std::string name_;
};

test::RedisServer* LimitsScriptTest::redis_ = nullptr;

TEST_P(LimitsScriptTest, AdmitsUpToTheBudgetThenRejectsNamingTheLevel) {
    Principal p = principal(name_, limits(1000));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter_->admit(p, 300, 10).result, Admission::Result::admitted) << i;
    Admission a = limiter_->admit(p, 300, 10);
    EXPECT_EQ(a.result, Admission::Result::rejected);
    EXPECT_EQ(a.kind, "budget");
    EXPECT_EQ(a.level, 0u);
    EXPECT_EQ(a.limit, 1000);
    EXPECT_EQ(a.used, 900);
    EXPECT_GT(a.retry_after_ms, 0);
    EXPECT_LE(a.retry_after_ms, 86400000);
}

TEST_P(LimitsScriptTest, SettleReplacesTheReservationWithTheActualCost) {
    Principal p = principal(name_, limits(1000));
    Admission a = limiter_->admit(p, 300, 10);
    ASSERT_EQ(a.result, Admission::Result::admitted);
    auto during = limiter_->read(p);
    ASSERT_TRUE(during);
    EXPECT_EQ((*during)[0].reserved_nano, 300);
    EXPECT_EQ((*during)[0].spent_nano, 0);
    limiter_->settle(p, a, 120, 7);
    auto after = limiter_->read(p);
    ASSERT_TRUE(after);
    EXPECT_EQ((*after)[0].reserved_nano, 0);
    EXPECT_EQ((*after)[0].spent_nano, 120);
    EXPECT_EQ((*after)[0].limit_nano, 1000);
    EXPECT_EQ(limiter_->outstanding(p.group), 0);
}

TEST_P(LimitsScriptTest, SettlingTwiceChargesOnce) {
    Principal p = principal(name_, limits(1000));
    Admission a = limiter_->admit(p, 300, 10);
    limiter_->settle(p, a, 100, 5);
    limiter_->settle(p, a, 100, 5);
    EXPECT_EQ((*limiter_->read(p))[0].spent_nano, 100);
}

TEST_P(LimitsScriptTest, AdmissionIsAllOrNothingAcrossLevels) {
    Principal p = principal(name_, limits(10000), limits(500));
    Admission a = limiter_->admit(p, 400, 1);
    ASSERT_EQ(a.result, Admission::Result::admitted);
    Admission b = limiter_->admit(p, 400, 1);
    EXPECT_EQ(b.result, Admission::Result::rejected);
    EXPECT_EQ(b.level, 1u);  // the team
    auto state = limiter_->read(p);
    EXPECT_EQ((*state)[0].reserved_nano, 400) << "the rejected request left a reservation at the key level";
    EXPECT_EQ((*state)[1].reserved_nano, 400);
}

TEST_P(LimitsScriptTest, RequestsPerMinuteHoldWithRetryAfter) {
    Principal p = principal(name_, limits(-1, 3));
    for (int i = 0; i < 3; ++i) {
        Admission a = limiter_->admit(p, 0, 1);
        ASSERT_EQ(a.result, Admission::Result::admitted) << i;
        EXPECT_EQ(a.req_limit, 3);
        EXPECT_EQ(a.req_remaining, 2 - i);
    }
    Admission r = limiter_->admit(p, 0, 1);
    EXPECT_EQ(r.result, Admission::Result::rejected);
    EXPECT_EQ(r.kind, "rpm");
    EXPECT_GT(r.retry_after_ms, 0);
    EXPECT_LE(r.retry_after_ms, 120000);
}

TEST_P(LimitsScriptTest, TokensPerMinuteAreReservedThenReconciled) {
    Principal p = principal(name_, limits(-1, -1, 1000));
    Admission a = limiter_->admit(p, 0, 600);
    ASSERT_EQ(a.result, Admission::Result::admitted);
    EXPECT_EQ(a.tok_remaining, 400);
    EXPECT_EQ(limiter_->admit(p, 0, 600).result, Admission::Result::rejected);
    limiter_->settle(p, a, 0, 100);  // it used far less than it reserved
    EXPECT_EQ(limiter_->admit(p, 0, 600).result, Admission::Result::admitted);
}

TEST_P(LimitsScriptTest, ARequestLargerThanTheTokenLimitCanNeverBeAdmitted) {
    Principal p = principal(name_, limits(-1, -1, 1000));
    Admission a = limiter_->admit(p, 0, 5000);
    EXPECT_EQ(a.result, Admission::Result::rejected);
    EXPECT_EQ(a.retry_after_ms, -1);
}

TEST_P(LimitsScriptTest, ConcurrencySlotsAreReleasedBySettle) {
    Principal p = principal(name_, limits(-1, -1, -1, 2));
    Admission a = limiter_->admit(p, 0, 1);
    Admission b = limiter_->admit(p, 0, 1);
    ASSERT_EQ(b.result, Admission::Result::admitted);
    Admission c = limiter_->admit(p, 0, 1);
    EXPECT_EQ(c.result, Admission::Result::rejected);
    EXPECT_EQ(c.kind, "concurrency");
    limiter_->settle(p, a, 0, 1);
    EXPECT_EQ(limiter_->admit(p, 0, 1).result, Admission::Result::admitted);
}

TEST_P(LimitsScriptTest, ReservationsOfVanishedRequestsExpireAndALateSettleStillCharges) {
    auto short_lived = limiter_with_ttl(100);
    Principal p = principal(name_, limits(1000, -1, -1, 1));
    Admission a = short_lived->admit(p, 800, 1);  // the instance "crashes" and never settles
    ASSERT_EQ(a.result, Admission::Result::admitted);
    EXPECT_EQ(short_lived->admit(p, 800, 1).result, Admission::Result::rejected);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    EXPECT_EQ(short_lived->outstanding(p.group), 0);  // read reclaims
    auto state = short_lived->read(p);
    EXPECT_EQ((*state)[0].reserved_nano, 0);
    short_lived->settle(p, a, 50, 1);  // the request did finish after all
    state = short_lived->read(p);
    EXPECT_EQ((*state)[0].spent_nano, 50);
    EXPECT_EQ((*state)[0].reserved_nano, 0);
    Admission b = short_lived->admit(p, 800, 1);  // the concurrency slot was reclaimed once, not twice
    EXPECT_EQ(b.result, Admission::Result::admitted);
    EXPECT_EQ(short_lived->admit(p, 1, 1).result, Admission::Result::rejected);
}

TEST_P(LimitsScriptTest, ConcurrentAdmissionsNeverOvershootTheBudget) {
    Principal p = principal(name_, limits(100 * 1000));
    std::atomic<int> admitted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 40; ++i)
                if (limiter_->admit(p, 1000, 1).result == Admission::Result::admitted) ++admitted;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(admitted.load(), 100);
    EXPECT_EQ(limiter_->outstanding(p.group), 100);
}

TEST_P(LimitsScriptTest, SpendLedgerRecordsCostRequestsAndTokensByDay) {
    Principal p = principal(name_, limits(1000000));
    for (int i = 0; i < 3; ++i) limiter_->settle(p, limiter_->admit(p, 1000, 10), 250, 40);
    int64_t today = std::chrono::duration_cast<std::chrono::hours>(
                        std::chrono::system_clock::now().time_since_epoch()).count() / 24;
    Reply r = limiter_->spend(p.group, today - 1, today + 1);
    ASSERT_TRUE(r.ok()) << r.str;
    std::map<std::string, int64_t> fields;
    for (size_t i = 0; i + 2 < r.elements.size(); i += 3)
        fields[std::string(r.str_at(i + 1))] = r.int_at(i + 2);
    EXPECT_EQ(fields[p.ledger_field + "|c"], 750);
    EXPECT_EQ(fields[p.ledger_field + "|r"], 3);
    EXPECT_EQ(fields[p.ledger_field + "|t"], 120);
}

INSTANTIATE_TEST_SUITE_P(Stores, LimitsScriptTest, ::testing::Values("memory", "memory_script", "memory_lua", "redis"),
                         [](const auto& info) { return info.param; });

// Calendar periods need a clock that can move: the in-process store's, native (called directly
// and through the script's arguments) and running limits.lua on the shim.
class LimitsPeriodTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        store = std::make_shared<MemoryStore>(GetParam() != "lua");
        limiter = std::make_unique<Limiter>(
            GetParam() == "script" ? std::make_shared<testing::ForwardingStore>(store) : std::shared_ptr<Store>(store),
            LimiterOptions{});
    }
    std::shared_ptr<MemoryStore> store;
    std::unique_ptr<Limiter> limiter;
};

TEST_P(LimitsPeriodTest, DailyBudgetStartsAfreshTheNextUtcDay) {
    Limiter& limiter = *this->limiter;
    Principal p = principal("daily", limits(1000));
    limiter.settle(p, limiter.admit(p, 1000, 1), 1000, 1);
    EXPECT_EQ(limiter.admit(p, 1, 1).result, Admission::Result::rejected);
    store->advance_clock_ms(86400000);
    EXPECT_EQ(limiter.admit(p, 1000, 1).result, Admission::Result::admitted);
}

// Spends a budget of 1000 in one period; returns how long until the period ends.
int64_t spend_the_budget(Limiter& limiter, const Principal& p) {
    limiter.settle(p, limiter.admit(p, 1000, 1), 1000, 1);
    Admission r = limiter.admit(p, 1, 1);
    EXPECT_EQ(r.result, Admission::Result::rejected);
    return r.retry_after_ms;
}

TEST_P(LimitsPeriodTest, MonthlyBudgetLastsUntilTheMonthEnds) {
    Limiter& limiter = *this->limiter;
    Principal p = principal("monthly", limits(1000, -1, -1, -1, "m"));
    int64_t left = spend_the_budget(limiter, p);
    EXPECT_LE(left, 31LL * 86400000);
    store->advance_clock_ms(left - 1000);
    EXPECT_EQ(limiter.admit(p, 1, 1).result, Admission::Result::rejected) << "a second before the month ends";
    store->advance_clock_ms(2000);
    EXPECT_EQ(limiter.admit(p, 1, 1).result, Admission::Result::admitted) << "a second into the next month";
}

TEST_P(LimitsPeriodTest, FixedWindowBudgetResetsAtTheWindowBoundary) {
    Limiter& limiter = *this->limiter;
    Principal p = principal("window", limits(1000, -1, -1, -1, "w3600"));
    int64_t left = spend_the_budget(limiter, p);
    EXPECT_LE(left, 3600000);
    store->advance_clock_ms(left + 1);
    EXPECT_EQ(limiter.admit(p, 1, 1).result, Admission::Result::admitted);
}

TEST_P(LimitsPeriodTest, RequestWindowSlidesRatherThanResettingAtTheMinute) {
    Limiter& limiter = *this->limiter;
    Principal p = principal("sliding", limits(-1, 10));
    for (int i = 0; i < 10; ++i) ASSERT_EQ(limiter.admit(p, 0, 1).result, Admission::Result::admitted);
    Admission r = limiter.admit(p, 0, 1);
    ASSERT_EQ(r.result, Admission::Result::rejected);
    store->advance_clock_ms(r.retry_after_ms + 1);
    EXPECT_EQ(limiter.admit(p, 0, 1).result, Admission::Result::admitted) << "retry-after was honest";
    EXPECT_EQ(limiter.admit(p, 0, 1).result, Admission::Result::rejected) << "one slot, not a whole fresh minute";
}

INSTANTIATE_TEST_SUITE_P(Engines, LimitsPeriodTest, ::testing::Values("native", "script", "lua"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sy::state
