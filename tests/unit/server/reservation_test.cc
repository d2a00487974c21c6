// A request's Reservation settles what it holds exactly once, however often it is moved.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/admission.hpp"
#include "state/memory_store.hpp"

namespace sy::server {
namespace {

// An in-process store seen through the script path (kind "recording", so the limiter neither
// answers natively nor skips the background sender), keeping every settle it is sent.
class RecordingStore final : public state::Store {
public:
    struct Settle {
        std::string group_key, id;
    };
    state::Reply eval(const state::Script& script, std::span<const std::string> keys,
                      std::span<const std::string> args) override {
        if (!args.empty() && args[0] == "settle") {
            std::lock_guard lock(mu_);
            settles_.push_back({keys.empty() ? "" : keys[0], args.size() > 1 ? args[1] : ""});
        }
        return inner_.eval(script, keys, args);
    }
    state::Reply command(std::span<const std::string> argv) override { return inner_.command(argv); }
    std::string_view kind() const override { return "recording"; }
    std::vector<Settle> settles() const {
        std::lock_guard lock(mu_);
        return settles_;
    }

private:
    state::MemoryStore inner_;
    mutable std::mutex mu_;
    std::vector<Settle> settles_;
};

state::Principal principal(const std::string& name) {
    config::LimitsConfig l;
    l.budget_nano_usd = 1'000'000'000;
    l.rpm = 1000;
    state::Principal p;
    p.group = "k:" + name;
    p.levels.push_back({"key:" + name, "key", name, l});
    p.ledger_field = name + "|model-a";
    return p;
}

class ReservationTest : public ::testing::Test {
protected:
    // The limiter sends settlements in the background; destroying it sends what is queued.
    std::vector<RecordingStore::Settle> settles_after(auto&& use) {
        {
            state::Limiter limiter(store_, state::LimiterOptions{});
            use(limiter);
        }
        return store_->settles();
    }
    std::shared_ptr<RecordingStore> store_ = std::make_shared<RecordingStore>();
};

TEST_F(ReservationTest, MovedFromReservationsSettleNothing) {
    std::string id;
    auto settles = settles_after([&](state::Limiter& limiter) {
        const state::Principal who = principal("a");
        state::Admission a = limiter.admit(who, 1000, 10);
        ASSERT_EQ(a.result, state::Admission::Result::admitted);
        id = a.reservation;
        Reservation first(&limiter, who, std::move(a));
        Reservation second(std::move(first));
        Reservation third;
        third = std::move(second);
        third.settle(500, 5);
    });
    ASSERT_FALSE(id.empty());
    ASSERT_EQ(settles.size(), 1u);
    EXPECT_EQ(settles[0].id, id);
    EXPECT_NE(settles[0].group_key.find("{k:a}"), std::string::npos) << settles[0].group_key;
}

TEST_F(ReservationTest, AssigningOverAReservationReleasesTheOneItHeld) {
    std::string held, taken;
    auto settles = settles_after([&](state::Limiter& limiter) {
        const state::Principal who = principal("b");
        state::Admission a = limiter.admit(who, 1000, 10);
        state::Admission b = limiter.admit(who, 1000, 10);
        ASSERT_EQ(a.result, state::Admission::Result::admitted);
        ASSERT_EQ(b.result, state::Admission::Result::admitted);
        held = a.reservation;
        taken = b.reservation;
        Reservation r(&limiter, who, std::move(a));
        r = Reservation(&limiter, who, std::move(b));
    });
    ASSERT_EQ(settles.size(), 2u);
    EXPECT_EQ(settles[0].id, held);
    EXPECT_EQ(settles[1].id, taken);
}

}  // namespace
}  // namespace sy::server
