// `switchyard audit`'s figures from hand-written access-log lines (cli/audit_report.hpp).
#include <gtest/gtest.h>

#include "cli/audit_report.hpp"

namespace sy::cli {
namespace {

std::string request(const std::string& day, const std::string& id, const std::string& router, const std::string& route,
                    const std::string& model, const std::string& cost, const std::string& baseline) {
    return R"({"ts":")" + day + R"(T10:00:00.000Z","request_id":")" + id + R"(","status":200,"model":")" + model +
           R"(","route":")" + route + R"(","router":")" + router + R"(","cost_usd":)" + cost +
           R"(,"baseline_model":"strong","cost_baseline_usd":)" + baseline + "}";
}

TEST(AuditReportTest, GroupsByRouterThenPolicyThenModel) {
    EXPECT_EQ(route_group("mf", "policy:p -> router:mf x"), "mf");
    EXPECT_EQ(route_group("", "policy:short-prompt reason; retry"), "short-prompt");
    EXPECT_EQ(route_group("", "model"), "model");
    EXPECT_EQ(route_group("", "default:weak"), "model");
}

TEST(AuditReportTest, SumsCostsBaselinesAndSharesPerDayAndRoute) {
    AuditBuilder b;
    b.add_log_line(request("2025-03-01", "a", "r", "router:r x", "weak", "0.001", "0.004"));
    b.add_log_line(request("2025-03-01", "b", "r", "router:r x", "strong", "0.004", "0.004"));
    b.add_log_line(request("2025-03-01", "c", "r", "router:r x", "weak", "0.002", "null"));
    b.add_log_line(request("2025-03-02", "d", "", "model", "weak", "0.001", "0.001"));
    b.add_log_line("not json");
    AuditReport r = b.finish(0.1);
    const RouteDay& d1 = r.days.at("2025-03-01").at("r");
    EXPECT_EQ(d1.requests, 3);
    EXPECT_EQ(d1.models.at("weak"), 2);
    EXPECT_EQ(d1.models.at("strong"), 1);
    EXPECT_DOUBLE_EQ(d1.cost_usd, 0.007);
    EXPECT_EQ(d1.compared, 2);
    EXPECT_DOUBLE_EQ(d1.baseline_usd, 0.008);
    EXPECT_DOUBLE_EQ(d1.saved_usd(), 0.003);
    EXPECT_EQ(r.days.at("2025-03-02").at("model").requests, 1);
    EXPECT_EQ(r.skipped, 1);
}

TEST(AuditReportTest, JoinsFeedbackAndShadowLinesToTheirRequests) {
    AuditBuilder b;
    b.add_log_line(request("2025-03-01", "a", "r", "router:r x", "weak", "0.001", "0.004"));
    // A later day's feedback for a request counts on the request's day, route and model.
    b.add_log_line(R"({"ts":"2025-03-02T00:00:01Z","type":"feedback","request_id":"a","router":"r","model":"weak","route":"r","score":0.5})");
    b.add_log_line(R"({"ts":"2025-03-01T00:00:01Z","type":"shadow","request_id":"a","router":"r","model":"weak","baseline_model":"strong","verdict":"tie","retained":0.5,"cost_usd":0.004})");
    b.add_feedback_line(R"({"request_id":"a","thumbs":"up"})");
    b.add_feedback_line(R"({"request_id":"zzz","score":1})");
    AuditReport r = b.finish(0.1);
    ASSERT_EQ(r.days.size(), 1u);
    const RouteDay& d = r.days.at("2025-03-01").at("r");
    EXPECT_EQ(d.feedback.at("weak").count, 2);
    EXPECT_DOUBLE_EQ(d.feedback.at("weak").value(), 0.75);
    EXPECT_EQ(d.retention.count, 1);
    EXPECT_DOUBLE_EQ(d.retention.value(), 0.5);
    EXPECT_EQ(r.unmatched_feedback, 1);
}

TEST(AuditReportTest, FeedbackWithoutItsRequestCountsUnderTheRouteItNames) {
    AuditBuilder b;  // the request's line is in another (rotated) log
    b.add_log_line(R"({"ts":"2025-03-02T00:00:01Z","type":"feedback","request_id":"gone","router":"","model":"weak","route":"short-prompt","score":1})");
    AuditReport r = b.finish(0.1);
    EXPECT_EQ(r.days.at("2025-03-02").at("short-prompt").feedback.at("weak").count, 1)
        << "a policy's name, not \"model\"";
}

TEST(AuditReportTest, WarnsWhenAQualitySignalDriftsBeyondTheThreshold) {
    AuditBuilder b;
    auto shadow = [](const std::string& day, double retained) {
        return R"({"ts":")" + day + R"(T01:00:00Z","type":"shadow","request_id":"","router":"r","model":"weak","retained":)" +
               std::to_string(retained) + "}";
    };
    b.add_log_line(shadow("2025-03-01", 1.0));
    b.add_log_line(shadow("2025-03-02", 0.95));  // within 0.1 of the day before
    b.add_log_line(shadow("2025-03-04", 0.5));   // compared with 03-02, the last day with a verdict
    AuditReport r = b.finish(0.1);
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(r.warnings[0], "route r 2025-03-04: retention 0.50 fell by 0.45 from 0.95 on 2025-03-02 (threshold 0.10)");
    AuditBuilder quiet;
    quiet.add_log_line(shadow("2025-03-01", 1.0));
    quiet.add_log_line(shadow("2025-03-02", 0.5));
    EXPECT_TRUE(quiet.finish(0.6).warnings.empty());
}

}  // namespace
}  // namespace sy::cli
