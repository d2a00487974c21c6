// The quality board: feedback means and thumbs per router, route and model; shadow outcomes
// and the retention estimate with its interval, in the JSON view and the metrics.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <switchyard/metrics.hpp>

#include "quality/board.hpp"

namespace sy::quality {
namespace {

TEST(QualityBoardTest, AggregatesFeedbackPerRouterRouteAndModel) {
    Board b;
    b.add_feedback("mf", "mf", "weak", 1.0, true);
    b.add_feedback("mf", "mf", "weak", 0.0, false);
    b.add_feedback("mf", "mf", "weak", 0.5, std::nullopt);
    b.add_feedback("", "short", "strong", 0.25, std::nullopt);
    rapidjson::Document d;
    std::string json = b.to_json();
    d.Parse(json.c_str());
    ASSERT_TRUE(d.IsObject()) << json;
    const auto& fb = d["feedback"];
    ASSERT_EQ(fb.Size(), 2u) << json;
    // Sorted by router: "mf" before "none".
    EXPECT_STREQ(fb[0]["router"].GetString(), "mf");
    EXPECT_EQ(fb[0]["count"].GetInt(), 3);
    EXPECT_DOUBLE_EQ(fb[0]["mean_score"].GetDouble(), 0.5);
    EXPECT_EQ(fb[0]["thumbs_up"].GetInt(), 1);
    EXPECT_EQ(fb[0]["thumbs_down"].GetInt(), 1);
    EXPECT_STREQ(fb[1]["router"].GetString(), "none");
    EXPECT_STREQ(fb[1]["route"].GetString(), "short");
    std::string metrics = metrics::Registry::instance().render();
    EXPECT_NE(metrics.find(R"(switchyard_quality_feedback_total{router="mf",route="mf",model="weak",thumbs="up"} 1)"),
              std::string::npos)
        << metrics;
}

TEST(QualityBoardTest, EstimatesRetentionCountingTiesAsRetained) {
    Board b;
    for (int i = 0; i < 6; ++i) b.add_verdict("r1", Verdict::win);
    for (int i = 0; i < 2; ++i) b.add_verdict("r1", Verdict::tie);
    for (int i = 0; i < 2; ++i) b.add_verdict("r1", Verdict::loss);
    b.add_shadow("r1", ShadowOutcome::over_budget);
    Retention r = b.retention("r1");
    EXPECT_EQ(r.judged(), 10);
    EXPECT_DOUBLE_EQ(r.estimate(), 0.8);
    Interval ci = r.interval();
    EXPECT_LT(ci.lower, 0.8);
    EXPECT_GT(ci.upper, 0.8);
    rapidjson::Document d;
    std::string json = b.to_json();
    d.Parse(json.c_str());
    const auto& s = d["shadow"][0];
    EXPECT_DOUBLE_EQ(s["retention"].GetDouble(), 0.8);
    EXPECT_EQ(s["over_budget"].GetInt(), 1);
    EXPECT_DOUBLE_EQ(s["lower"].GetDouble(), ci.lower);
    std::string metrics = metrics::Registry::instance().render();
    const std::string series = R"(switchyard_quality_retention{router="r1",bound="estimate"} )";
    size_t at = metrics.find(series);
    ASSERT_NE(at, std::string::npos) << metrics;
    EXPECT_NEAR(std::stod(metrics.substr(at + series.size())), 0.8, 1e-12);
}

}  // namespace
}  // namespace sy::quality
