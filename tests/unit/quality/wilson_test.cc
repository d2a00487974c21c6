// The Wilson score interval against values computed by hand from its formula (and published
// tables): small samples, the edges 0 and 1, ties counting half, and no sample at all.
#include <gtest/gtest.h>

#include "quality/wilson.hpp"

namespace sy::quality {
namespace {

TEST(WilsonTest, MatchesTheFormulaForAMiddleProportion) {
    // 8 of 10 at 95%: [0.4902, 0.9433] (Wilson 1927; e.g. Newcombe 1998, method 3).
    Interval ci = wilson_interval(8, 10);
    EXPECT_NEAR(ci.lower, 0.4902, 1e-4);
    EXPECT_NEAR(ci.upper, 0.9433, 1e-4);
}

TEST(WilsonTest, StaysInsideTheUnitIntervalAtTheEdges) {
    Interval all = wilson_interval(10, 10);
    EXPECT_NEAR(all.lower, 0.7225, 1e-4);
    EXPECT_DOUBLE_EQ(all.upper, 1.0);
    Interval none = wilson_interval(0, 10);
    EXPECT_DOUBLE_EQ(none.lower, 0.0);
    EXPECT_NEAR(none.upper, 0.2775, 1e-4);
}

TEST(WilsonTest, NarrowsAsTheSampleGrows) {
    Interval small = wilson_interval(9, 10), large = wilson_interval(900, 1000);
    EXPECT_LT(large.upper - large.lower, small.upper - small.lower);
    EXPECT_LT(large.lower, 0.9);
    EXPECT_GT(large.upper, 0.9);
}

TEST(WilsonTest, TakesFractionalSuccessesForTies) {
    // 4 ties of 4 trials count as 2 successes: centred on one half.
    Interval ci = wilson_interval(2, 4);
    EXPECT_NEAR(ci.lower + ci.upper, 1.0, 1e-12);
    EXPECT_NEAR(ci.lower, 0.1500, 1e-4);
}

TEST(WilsonTest, KnowsNothingWithoutASample) {
    Interval ci = wilson_interval(0, 0);
    EXPECT_EQ(ci.lower, 0.0);
    EXPECT_EQ(ci.upper, 1.0);
}

}  // namespace
}  // namespace sy::quality
