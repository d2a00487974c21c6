#include <switchyard/testing.hpp>

#include <gtest/gtest.h>

#include <map>

#include "plugin_path.hpp"

namespace {

using namespace switchyard::testing;

TEST(FixedRouterTest, RoutesToTheConfiguredModelThenTheRest) {
    Plugin plugin(bundled_plugin("fixed"));
    RouterUnderTest r(plugin, R"({"model": "weak"})");
    ASSERT_EQ(r.create_status(), SY_OK);
    auto res = r.route({"strong", "weak", "tiny"});
    EXPECT_EQ(res.order, (std::vector<uint32_t>{1, 0, 2}));
    EXPECT_EQ(res.reason, "fixed -> weak");
}

TEST(FixedRouterTest, DefaultsToTheFirstCandidateAndPutsUnhealthyLast) {
    Plugin plugin(bundled_plugin("fixed"));
    RouterUnderTest r(plugin, "{}");
    auto res = r.route({"strong", "weak", "tiny"}, {"strong"});
    EXPECT_EQ(res.order, (std::vector<uint32_t>{1, 2, 0}));
}

TEST(FixedRouterTest, RefusesUnknownKeys) {
    Plugin plugin(bundled_plugin("fixed"));
    RouterUnderTest r(plugin, R"({"modle": "x"})");
    EXPECT_EQ(r.create_status(), SY_ERR_CONFIG);
    EXPECT_EQ(r.create_error(), "fixed: config.modle: unknown key");
}

TEST(RandomRouterTest, FollowsTheWeights) {
    Plugin plugin(bundled_plugin("random"));
    RouterUnderTest r(plugin, R"({"weights": {"strong": 1, "weak": 3}, "seed": 7})");
    ASSERT_EQ(r.create_status(), SY_OK) << r.create_error();
    std::map<uint32_t, int> firsts;
    for (int i = 0; i < 4000; ++i) ++firsts[r.route({"strong", "weak"}).order.front()];
    // Expected 1000 vs 3000; 5 standard deviations (~137) of slack.
    EXPECT_NEAR(firsts[0], 1000, 150);
    EXPECT_NEAR(firsts[1], 3000, 150);
}

TEST(RandomRouterTest, NeverPicksAnUnhealthyCandidateFirst) {
    Plugin plugin(bundled_plugin("random"));
    RouterUnderTest r(plugin, "{}");
    for (int i = 0; i < 200; ++i) {
        auto res = r.route({"a", "b", "c"}, {"b"});
        EXPECT_NE(res.order.front(), 1u);
        EXPECT_EQ(res.order.back(), 1u);
        EXPECT_EQ(res.order.size(), 3u);
    }
}

TEST(RandomRouterTest, ReasonGivesTheShare) {
    Plugin plugin(bundled_plugin("random"));
    RouterUnderTest r(plugin, R"({"weights": {"a": 1, "b": 1}})");
    auto res = r.route({"a", "b"});
    EXPECT_TRUE(res.reason == "random p=0.50 -> a" || res.reason == "random p=0.50 -> b") << res.reason;
}

TEST(RandomRouterTest, RefusesNonPositiveWeights) {
    Plugin plugin(bundled_plugin("random"));
    RouterUnderTest r(plugin, R"({"weights": {"a": 0}})");
    EXPECT_EQ(r.create_status(), SY_ERR_CONFIG);
    EXPECT_EQ(r.create_error(), "random: config.weights.a: must be a number > 0");
}

}  // namespace
