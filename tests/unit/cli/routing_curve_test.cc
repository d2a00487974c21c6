#include "cli/routing_curve.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace sy::cli {
namespace {

// Four prompts: strong is right on 0 and 1, weak only on 1. The gap is prompt 0 alone.
const std::vector<double> kStrong{1, 1, 0, 0};
const std::vector<double> kWeak{0, 1, 0, 0};

TEST(RoutingCurveTest, APerfectRankingRecoversTheGapFirst) {
    TwoModelCurve c = two_model_curve({0.9, 0.5, 0.3, 0.1}, kStrong, kWeak);
    EXPECT_DOUBLE_EQ(c.strong_quality, 0.5);
    EXPECT_DOUBLE_EQ(c.weak_quality, 0.25);
    ASSERT_EQ(c.points.size(), 5u);
    EXPECT_DOUBLE_EQ(c.points[1].pgr, 1.0);  // 25% strong recovers everything
    // Area: the triangle to 25% (0.125) plus the flat rest (0.75).
    EXPECT_DOUBLE_EQ(c.apgr, 0.875);
    EXPECT_DOUBLE_EQ(c.cpt50, 0.125);
    EXPECT_DOUBLE_EQ(c.cpt80, 0.2);
}

TEST(RoutingCurveTest, TiedScoresGiveTheRandomLine) {
    TwoModelCurve c = two_model_curve({0.5, 0.5, 0.5, 0.5}, kStrong, kWeak);
    EXPECT_DOUBLE_EQ(c.apgr, 0.5);
    EXPECT_DOUBLE_EQ(c.cpt50, 0.5);
    EXPECT_NEAR(c.pgr_at(0.3), 0.3, 1e-12);
}

TEST(RoutingCurveTest, AnInvertedRankingIsWorseThanRandom) {
    TwoModelCurve c = two_model_curve({0.1, 0.5, 0.6, 0.9}, kStrong, kWeak);
    EXPECT_LT(c.apgr, 0.5);
    EXPECT_DOUBLE_EQ(c.cpt50, 0.875);
}

TEST(RoutingCurveTest, ThresholdSendsTheAskedShare) {
    std::vector<double> s{0.1, 0.4, 0.2, 0.8, 0.6};
    EXPECT_DOUBLE_EQ(threshold_for_share(s, 40), 0.6);  // 0.8 and 0.6 are >= 0.6
    EXPECT_DOUBLE_EQ(threshold_for_share(s, 100), 0.1);
    EXPECT_GT(threshold_for_share(s, 0), 0.8);           // nothing reaches it
}

TEST(RoutingCurveTest, LambdaTradesQualityForCost) {
    // Two prompts, two models: expensive is better on the first only.
    std::vector<std::vector<double>> predicted{{0.9, 0.2}, {0.6, 0.6}}, actual{{1, 0}, {1, 1}},
        cost{{1.0, 0.1}, {1.0, 0.1}};
    std::vector<double> price{10, 1};
    CostPoint all_best = choose_by_lambda(0, predicted, actual, cost, price);
    EXPECT_DOUBLE_EQ(all_best.quality, 1.0);
    CostPoint balanced = choose_by_lambda(0.05, predicted, actual, cost, price);  // 0.9-0.5 > 0.2-0.05; 0.6-0.5 < 0.6-0.05
    EXPECT_DOUBLE_EQ(balanced.quality, 1.0);
    EXPECT_DOUBLE_EQ(balanced.cost, 0.55);
    EXPECT_DOUBLE_EQ(balanced.share[1], 0.5);
    CostPoint cheap = choose_by_lambda(1, predicted, actual, cost, price);
    EXPECT_DOUBLE_EQ(cheap.quality, 0.5);
    EXPECT_DOUBLE_EQ(cheap.cost, 0.1);
    double l = lambda_for_cost(0.6, predicted, actual, cost, price);
    EXPECT_LE(choose_by_lambda(l, predicted, actual, cost, price).cost, 0.6);
    EXPECT_TRUE(std::isnan(lambda_for_cost(0.01, predicted, actual, cost, price)));
    auto sweep = lambda_sweep(predicted, actual, cost, price);
    for (size_t i = 1; i < sweep.size(); ++i) EXPECT_LE(sweep[i - 1].cost, sweep[i].cost);
}

}  // namespace
}  // namespace sy::cli
