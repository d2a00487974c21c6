// Feedback on any routed request (a router's, a policy's, a plain model's) aggregated per
// router, route and model: metrics, GET /admin/quality and access-log lines.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include "quality_helpers.hpp"
#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string config(const std::string& dir) {
    write_file(dir + "/steer.lua", "function route(req)\n  if req.model == 'auto' then return {model = 'strong'} end\nend\n");
    return "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n" + R"(auth:
  admin_key: admin-secret
providers:
  - {name: local, plugin: mock}
models:
  - {name: strong, deployments: [{provider: local}]}
  - {name: weak, deployments: [{provider: local}]}
routers:
  - {name: pin, plugin: fixed, candidates: [strong, weak], config: {model: weak}}
policies:
  - file: )" + dir + "/steer.lua\ntelemetry:\n  access_log: {path: \"" + dir + "/access.log\"}\n";
}

std::string asked(int port, const std::string& model) {
    HttpResponse r = post_chat(port, R"({"model": ")" + model + R"(", "messages": [{"role": "user", "content": "hi"}]})");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.header("x-request-id");
}

HttpResponse rate(int port, const std::string& body) {
    HttpClient c(port);
    return c.request("POST", "/v1/feedback", body, {{"Content-Type", "application/json"}});
}

TEST(FeedbackQualityTest, AggregatesEveryRoutedRequestByRouterRouteAndModel) {
    std::string dir = make_temp_dir();
    GatewayProcess gw(config(dir));
    ASSERT_TRUE(gw.ok()) << gw.log();
    std::string by_router = asked(gw.port(), "router-pin"), by_router2 = asked(gw.port(), "router-pin");
    std::string by_model = asked(gw.port(), "weak"), by_policy = asked(gw.port(), "auto");
    HttpResponse f1 = rate(gw.port(), R"({"request_id": ")" + by_router + R"(", "thumbs": "up"})");
    ASSERT_EQ(f1.status, 200) << f1.body;
    EXPECT_NE(f1.body.find(R"("route":"pin")"), std::string::npos) << f1.body;
    EXPECT_NE(f1.body.find(R"("applied":false)"), std::string::npos) << f1.body;  // fixed does not learn
    ASSERT_EQ(rate(gw.port(), R"({"request_id": ")" + by_router2 + R"(", "score": 0.5, "thumbs": "down"})").status, 200);
    ASSERT_EQ(rate(gw.port(), R"({"request_id": ")" + by_model + R"(", "score": 0.25})").status, 200);
    HttpResponse f4 = rate(gw.port(), R"({"request_id": ")" + by_policy + R"(", "score": 0.75})");
    ASSERT_EQ(f4.status, 200) << f4.body;
    EXPECT_NE(f4.body.find(R"("route":"steer")"), std::string::npos) << f4.body;
    EXPECT_EQ(rate(gw.port(), R"({"request_id": ")" + by_model + R"(", "score": 1})").status, 404);  // once
    EXPECT_EQ(rate(gw.port(), R"({"request_id": ")" + by_model + R"(", "thumbs": "sideways"})").status, 400);

    HttpClient m(gw.port());
    std::string metrics = m.request("GET", "/metrics").body;
    auto count = [&](const std::string& labels) {
        return metric_value(metrics, "switchyard_quality_feedback_total{" + labels + "}");
    };
    EXPECT_EQ(count(R"(router="pin",route="pin",model="weak",thumbs="up")"), 1) << metrics;
    EXPECT_EQ(count(R"(router="pin",route="pin",model="weak",thumbs="down")"), 1);
    EXPECT_EQ(count(R"(router="none",route="model",model="weak",thumbs="none")"), 1);
    EXPECT_EQ(count(R"(router="none",route="steer",model="strong",thumbs="none")"), 1);
    EXPECT_EQ(metric_value(metrics, R"(switchyard_quality_feedback_score_total{router="pin",route="pin",model="weak"})"), 1.5);

    HttpResponse admin = m.request("GET", "/admin/quality", "", {{"Authorization", "Bearer admin-secret"}});
    ASSERT_EQ(admin.status, 200) << admin.body;
    rapidjson::Document d;
    d.Parse(admin.body.c_str());
    ASSERT_TRUE(d.IsObject() && d["feedback"].IsArray()) << admin.body;
    int rows = 0;
    for (const auto& row : d["feedback"].GetArray()) {
        ++rows;
        if (std::string(row["route"].GetString()) != "pin") continue;
        EXPECT_EQ(row["count"].GetInt(), 2);
        EXPECT_DOUBLE_EQ(row["mean_score"].GetDouble(), 0.75);
        EXPECT_EQ(row["thumbs_up"].GetInt(), 1);
        EXPECT_EQ(row["thumbs_down"].GetInt(), 1);
    }
    EXPECT_EQ(rows, 3) << admin.body;

    std::vector<std::string> lines = log_lines(dir + "/access.log", "feedback", 4);
    ASSERT_EQ(lines.size(), 4u);
    std::string policy_line;
    for (const auto& l : lines)
        if (l.find("\"request_id\":\"" + by_policy + "\"") != std::string::npos) policy_line = l;
    EXPECT_NE(policy_line.find(R"("router":"","model":"strong","route":"steer","score":0.75)"), std::string::npos)
        << policy_line;
}

}  // namespace
}  // namespace sy::test
