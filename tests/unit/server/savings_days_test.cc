// The status page's savings per day (server/savings_days.hpp).
#include <gtest/gtest.h>

#include "server/savings_days.hpp"

namespace sy::server {
namespace {

TEST(SavingsDaysTest, SumsPerDayNewestFirstAndKeepsTwoWeeks) {
    SavingsDays days;
    days.add("2026-01-01", "weak", 4000, 1000);
    days.add("2026-01-01", "strong", 4000, 4000);
    days.add("2026-01-01", "free", -1, 0);  // unpriced baseline: in the shares, not in the savings
    days.add("2026-01-02", "weak", 2000000000, 500000000);
    EXPECT_EQ(days.json(),
              R"({"days":[{"day":"2026-01-02","requests":1,"models":{"weak":1},"compared":1,"baseline_usd":2.0,"cost_usd":0.5,"saved_usd":1.5},)"
              R"({"day":"2026-01-01","requests":3,"models":{"free":1,"strong":1,"weak":1},"compared":2,"baseline_usd":0.000008,"cost_usd":0.000005,"saved_usd":0.000003}]})");
    for (int d = 3; d <= 20; ++d) days.add("2026-01-" + std::string(d < 10 ? "0" : "") + std::to_string(d), "weak", 1, 1);
    std::string json = days.json();
    EXPECT_EQ(json.find("2026-01-06"), std::string::npos) << "older than the last 14 days";
    EXPECT_NE(json.find("2026-01-07"), std::string::npos);
    EXPECT_NE(json.find("2026-01-20"), std::string::npos);
}

}  // namespace
}  // namespace sy::server
