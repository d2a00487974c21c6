// The shared ranking of the quality routers (mf, sw): order and the reason text they give.
#include <gtest/gtest.h>

#include <cmath>

#include "common/quality_ranking.hpp"

namespace sy_plugins {
namespace {

sy_candidate candidate(const char* name, double price, bool healthy = true) {
    sy_candidate c{};
    c.struct_size = sizeof c;
    c.name = {name, std::strlen(name)};
    c.input_price_per_mtok = price;
    c.output_price_per_mtok = price;
    c.healthy = healthy ? 1 : 0;
    return c;
}

TEST(QualityRankingTest, AThresholdPicksTheStrongOrTheWeakAndSaysWhy) {
    sy_candidate raw[] = {candidate("strong", 10), candidate("weak", 0.5)};
    std::vector<switchyard::Candidate> cands{switchyard::Candidate(&raw[0]), switchyard::Candidate(&raw[1])};
    switchyard::Ranking strong, weak;
    rank_by_quality(cands, {0.9, 0.6}, 0.61234, 0.5, 0, strong);
    EXPECT_EQ(strong.choices().front().index, 0u);
    EXPECT_EQ(strong.reason(), "score=0.6123>=0.5 -> strong");
    rank_by_quality(cands, {0.9, 0.6}, 0.25, 0.5, 0, weak);
    EXPECT_EQ(weak.choices().front().index, 1u);
    EXPECT_EQ(weak.reason(), "score=0.25<0.5 -> weak");
}

TEST(QualityRankingTest, WithoutAThresholdQualityLessLambdaTimesPriceWins) {
    sy_candidate raw[] = {candidate("strong", 10), candidate("weak", 0.5)};
    std::vector<switchyard::Candidate> cands{switchyard::Candidate(&raw[0]), switchyard::Candidate(&raw[1])};
    switchyard::Ranking r;
    rank_by_quality(cands, {0.95, 0.8735}, NAN, NAN, 0.07, r);
    EXPECT_EQ(r.choices().front().index, 1u);  // 0.8735 - 0.035 beats 0.95 - 0.7
    EXPECT_EQ(r.reason(), "lambda=0.07 q=0.874 -> weak");
}

TEST(QualityRankingTest, HealthyFirstThenByUtilityWithTiesInCandidateOrder) {
    sy_candidate raw[] = {candidate("a", 1), candidate("b", 1, false), candidate("c", 1), candidate("d", 0),
                          candidate("e", 1)};
    std::vector<switchyard::Candidate> cands;
    for (const sy_candidate& c : raw) cands.emplace_back(&c);
    switchyard::Ranking r;
    rank_by_quality(cands, {0.5, 0.9, 0.7, 0.5, 0.7}, NAN, NAN, 0.1, r);
    std::vector<size_t> order;
    for (const auto& c : r.choices()) order.push_back(c.index);
    // utilities: a 0.4, b 0.8 (unhealthy), c 0.6, d 0.5, e 0.6: c and e tie and keep their order
    EXPECT_EQ(order, (std::vector<size_t>{2, 4, 3, 0, 1}));
}

TEST(QualityRankingTest, NumbersAreWrittenAsPrintfWritesThem) {
    for (double v : {0.0, 1.0, 0.5, 1e-7, 123456.0, 0.000123456, -2.5, 99999.5}) {
        char want[64];
        std::snprintf(want, sizeof want, "%.4g", v);
        std::string got;
        append_number(got, v, 4);
        EXPECT_EQ(got, want) << v;
        std::snprintf(want, sizeof want, "%.3f", v);
        got.clear();
        append_number(got, v, 3, std::chars_format::fixed);
        EXPECT_EQ(got, want) << v;
    }
}

}  // namespace
}  // namespace sy_plugins
