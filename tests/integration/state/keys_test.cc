// Virtual keys through the admin API, shared by two instances through Redis: created on one,
// usable on the other; revoked on one, refused by the other within the key cache TTL.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "state_configs.hpp"

namespace sy::test {
namespace {

std::string json_string(const std::string& body, const std::string& field) {
    size_t at = body.find("\"" + field + "\":\"");
    if (at == std::string::npos) return {};
    at += field.size() + 4;
    return body.substr(at, body.find('"', at) - at);
}

class KeysTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(redis_.ok());
        StateSetup s;
        s.extra_keys = "    - {key: sk-limited, id: limited, models: [m]}\n";
        for (auto& gw : gw_) {
            gw = std::make_unique<GatewayProcess>(state_config(fake_, redis_.port(), s));
            ASSERT_TRUE(gw->ok()) << gw->log();
        }
    }
    HttpResponse admin(int i, const std::string& method, const std::string& path, const std::string& body = "") {
        HttpClient c(gw_[i]->port());
        return c.request(method, path, body, bearer(kAdminKey));
    }

    RedisServer redis_;
    FakeUpstream fake_;
    std::unique_ptr<GatewayProcess> gw_[2];
};

TEST_F(KeysTest, RequestsWithoutAValidKeyGet401) {
    EXPECT_EQ(post_chat(gw_[0]->port(), small_chat()).status, 401);
    HttpResponse r = post_chat(gw_[0]->port(), small_chat(), bearer("sk-nope"));
    EXPECT_EQ(r.status, 401);
    EXPECT_NE(r.body.find("invalid_api_key"), std::string::npos) << r.body;
    EXPECT_EQ(post_chat(gw_[0]->port(), small_chat(), {{"x-api-key", "sk-app"}}).status, 200);
}

TEST_F(KeysTest, ListingModelsNeedsAKeyUnlessItsPathIsAnonymous) {
    HttpClient c(gw_[0]->port());
    EXPECT_EQ(c.request("GET", "/v1/models").status, 401);
    HttpClient d(gw_[0]->port());
    EXPECT_EQ(d.request("GET", "/v1/models", "", bearer("sk-app")).status, 200);
    FakeUpstream fake;
    StateSetup s;
    std::string yaml = state_config(fake, redis_.port(), s);
    yaml.replace(yaml.find("  required: true\n"), 17, "  required: true\n  anonymous_paths: [/v1/models]\n");
    GatewayProcess open_listing(yaml);
    ASSERT_TRUE(open_listing.ok()) << open_listing.log();
    HttpClient e(open_listing.port());
    EXPECT_EQ(e.request("GET", "/v1/models").status, 200);
    EXPECT_EQ(post_chat(open_listing.port(), small_chat()).status, 401) << "chat still needs a key";
}

TEST_F(KeysTest, AKeyMayOnlyUseItsModels) {
    HttpResponse r = post_chat(gw_[0]->port(), R"({"model": "auto", "messages": [{"role": "user", "content": "x"}]})",
                               bearer("sk-limited"));
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_NE(r.body.find("model_not_allowed"), std::string::npos) << r.body;
    EXPECT_EQ(post_chat(gw_[0]->port(), small_chat(), bearer("sk-limited")).status, 200);
}

TEST_F(KeysTest, AdminApiNeedsTheAdminKey) {
    HttpClient c(gw_[0]->port());
    EXPECT_EQ(c.request("GET", "/admin/keys").status, 401);
    HttpClient d(gw_[0]->port());
    EXPECT_EQ(d.request("GET", "/admin/keys", "", bearer("sk-app")).status, 401);
}

TEST_F(KeysTest, CreatedOnOneInstanceUsableOnTheOtherRevokedEverywhere) {
    HttpResponse created = admin(0, "POST", "/admin/keys",
                                 R"({"id": "svc", "team": "search", "tier": "pro", "labels": {"env": "ci"},
                                     "limits": {"budget_usd": 5, "rpm": 100}})");
    ASSERT_EQ(created.status, 201) << created.body;
    std::string secret = json_string(created.body, "key");
    ASSERT_TRUE(secret.starts_with("sk-sy-")) << created.body;
    EXPECT_EQ(redis_.cli("KEYS '*'").find(secret), std::string::npos) << "secrets are stored hashed";

    HttpResponse used = post_chat(gw_[1]->port(), small_chat(), bearer(secret));
    EXPECT_EQ(used.status, 200) << used.body;
    EXPECT_EQ(used.header("x-ratelimit-limit-requests"), "100");

    HttpResponse listed = admin(1, "GET", "/admin/keys");
    EXPECT_NE(listed.body.find("\"id\":\"svc\""), std::string::npos) << listed.body;
    EXPECT_EQ(listed.body.find(secret), std::string::npos) << "listings never show a secret";
    EXPECT_EQ(listed.body.find("sk-app"), std::string::npos) << "nor config secrets";

    EXPECT_EQ(admin(1, "PATCH", "/admin/keys/svc", R"({"limits": {"rpm": 1}})").status, 200);
    EXPECT_EQ(admin(0, "POST", "/admin/keys", R"({"id": "svc"})").status, 409);
    EXPECT_EQ(admin(0, "DELETE", "/admin/keys/svc").status, 200);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        status = post_chat(gw_[1]->port(), small_chat(), bearer(secret)).status;
        if (status == 401) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(status, 401) << "the other instance refuses a revoked key once its cache expires";
}

TEST_F(KeysTest, SpendOfKeysWithoutLimitsIsRecordedToo) {
    for (int i = 0; i < 3; ++i) ASSERT_EQ(post_chat(gw_[i % 2]->port(), small_chat(), bearer("sk-limited")).status, 200);
    std::string spend;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {  // recorded in the background
        spend = admin(0, "GET", "/admin/spend").body;
        if (spend.find("\"requests\":3") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_NE(spend.find("\"key\":\"limited\",\"team\":\"\",\"model\":\"m\""), std::string::npos) << spend;
    EXPECT_NE(spend.find("\"requests\":3"), std::string::npos) << spend;
}

TEST_F(KeysTest, SpendIsExportedByTeamWithBoundedLabels) {
    ASSERT_EQ(post_chat(gw_[0]->port(), small_chat(), bearer("sk-app")).status, 200);      // team search (undeclared)
    ASSERT_EQ(post_chat(gw_[0]->port(), small_chat(), bearer("sk-limited")).status, 200);  // no team
    std::string m;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {  // counted after the answer is sent
        HttpClient c(gw_[0]->port());
        m = c.request("GET", "/metrics").body;
        if (metric_value(m, R"(switchyard_team_spend_usd_total{team="other"})") > 0 &&
            metric_value(m, R"(switchyard_team_spend_usd_total{team="none"})") > 0)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_GT(metric_value(m, R"(switchyard_team_spend_usd_total{team="other"})"), 0) << m;
    EXPECT_GT(metric_value(m, R"(switchyard_team_spend_usd_total{team="none"})"), 0) << m;
    EXPECT_EQ(m.find(R"(team="search")"), std::string::npos) << "teams not in teams[] are not labels";
}

TEST_F(KeysTest, BadAdminInputGetsAClearError) {
    HttpResponse r = admin(0, "POST", "/admin/keys", R"({"id": "x", "limits": {"period": "weekly"}})");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("limits.period"), std::string::npos) << r.body;
    EXPECT_EQ(admin(0, "POST", "/admin/keys", R"({"team": "t"})").status, 400);
    EXPECT_EQ(admin(0, "POST", "/admin/keys", "not json {").status, 400);
    EXPECT_EQ(admin(0, "POST", "/admin/keys", R"({"id": "y", "models": ["nope"]})").status, 400);
    EXPECT_EQ(admin(0, "POST", "/admin/keys", R"({"id": "z", "tier": "${HOME}"})").status, 400);
    EXPECT_EQ(admin(0, "GET", "/admin/keys/missing").status, 404);
    EXPECT_EQ(admin(0, "PATCH", "/admin/keys/app", R"({"tier": "x"})").status, 409);
    EXPECT_EQ(admin(0, "GET", "/admin/spend?from=2026-13-01").status, 400);
    EXPECT_EQ(admin(0, "GET", "/admin/spend?from=2026-01-02&to=2026-01-01").status, 400);
}

}  // namespace
}  // namespace sy::test
