// Budgets and rate limits across two gateway instances sharing a real redis-server: no
// overshoot under concurrency, exact spend, global limits, no leaked reservations.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include <switchyard/chat_request.hpp>

#include "state_configs.hpp"

namespace sy::test {
namespace {

// Nano-USD the gateway reserves for a request body: (prompt estimate + max_tokens) tokens.
int64_t reservation_of(const std::string& body) {
    ChatRequest chat;
    EXPECT_FALSE(parse_chat_request(body, chat).has_value());
    return (chat.prompt_tokens + 10) * kNanoPerToken;
}

std::string admin_get(int port, const std::string& path) {
    HttpClient c(port);
    return c.request("GET", path, "", bearer(kAdminKey)).body;
}

// Settlements are sent in the background: waits until nothing of the key is reserved any more
// and returns its usage.
std::string settled_usage(int port) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::string usage;
    do {
        usage = admin_get(port, "/admin/keys/app");
        if (usage.find("\"reserved_usd\":0.0,") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return usage;
}

class TwoInstances : public ::testing::Test {
protected:
    void start(const StateSetup& setup) {
        ASSERT_TRUE(redis_.ok());
        ASSERT_TRUE(fake_.ok());
        for (auto& gw : gw_) {
            gw = std::make_unique<GatewayProcess>(state_config(fake_, redis_.port(), setup));
            ASSERT_TRUE(gw->ok()) << gw->log();
        }
    }
    int port(size_t i) const { return gw_[i % 2]->port(); }

    RedisServer redis_;
    FakeUpstream fake_;
    std::unique_ptr<GatewayProcess> gw_[2];
};

TEST_F(TwoInstances, ConcurrentRequestsNeverOvershootTheBudgetAndSpendAddsUp) {
    const std::string body = small_chat("#fake:delay_ms=3000");  // all 200 arrive before any answer
    const int64_t reserve = reservation_of(body);
    StateSetup s;
    s.max_threads = 128;
    s.first_byte_ms = "10000";
    s.key_limits = "{budget_usd: " + std::to_string(50.0 * static_cast<double>(reserve) / 1e9) + "}";
    start(s);
    std::atomic<int> ok{0}, budget{0}, other{0};
    std::atomic<int64_t> charged{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < 200; ++i)
        clients.emplace_back([&, i] {
            HttpResponse r = post_chat(port(i), body, bearer("sk-app"));
            if (r.status == 200) {
                ++ok;
                charged += usage_tokens(r.body) * kNanoPerToken;
            } else if (r.status == 429 && r.body.find("budget_exceeded") != std::string::npos) {
                ++budget;
                EXPECT_FALSE(r.header("retry-after").empty());
            } else {
                ++other;
                ADD_FAILURE() << r.status << " " << r.body;
            }
        });
    for (auto& t : clients) t.join();
    EXPECT_EQ(ok.load(), 50) << "every request was in flight at once, so exactly 50 reservations fit";
    EXPECT_EQ(budget.load(), 150);
    std::string usage = settled_usage(port(0));
    std::string spend = admin_get(port(1), "/admin/spend");
    double spent_usd = std::stod(spend.substr(spend.find("\"total_usd\":") + 12));
    EXPECT_NEAR(spent_usd * 1e9, static_cast<double>(charged.load()), 1.0) << spend;
    EXPECT_LE(charged.load(), 50 * reserve);
    EXPECT_NE(usage.find("\"reserved_usd\":0.0"), std::string::npos) << usage;
    EXPECT_EQ(redis_.cli("ZCARD 'sy:{t:search}:rx'"), "0\n");
}

TEST_F(TwoInstances, TheBudgetGaugeShowsTheShareSpentOnEveryInstance) {
    StateSetup s;
    s.key_limits = "{budget_usd: 1.0}";
    s.extra_yaml = "telemetry: {metrics: {budget_refresh_ms: 100}}";
    start(s);
    const std::string series = R"(switchyard_budget_used_ratio{level="key",name="app"})";
    int64_t charged = 0;
    for (int i = 0; i < 3; ++i) {
        HttpResponse r = post_chat(port(0), small_chat(), bearer("sk-app"));
        ASSERT_EQ(r.status, 200) << r.body;
        charged += usage_tokens(r.body) * kNanoPerToken;
    }
    settled_usage(port(0));
    double expected = static_cast<double>(charged) / 1e9;  // of a 1 USD budget
    // Instance 1 answered none of them: it reads the shared store.
    double seen = -1;
    for (int i = 0; i < 100 && std::abs(seen - expected) > 1e-9; ++i) {
        HttpClient c(port(1));
        seen = metric_value(c.request("GET", "/metrics").body, series);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_NEAR(seen, expected, 1e-9);
    EXPECT_GT(seen, 0);
}

TEST_F(TwoInstances, RequestsPerMinuteHoldAcrossInstances) {
    StateSetup s;
    s.key_limits = "{rpm: 30}";
    start(s);
    int ok = 0, limited = 0;
    for (int i = 0; i < 60; ++i) {
        HttpResponse r = post_chat(port(i), small_chat(), bearer("sk-app"));
        if (r.status == 200) {
            ++ok;
            EXPECT_EQ(r.header("x-ratelimit-limit-requests"), "30");
        } else if (r.status == 429) {
            ++limited;
            EXPECT_NE(r.body.find("30 requests per minute"), std::string::npos) << r.body;
            EXPECT_GE(std::stoi(r.header("retry-after")), 1);
        }
    }
    EXPECT_EQ(ok, 30);
    EXPECT_EQ(limited, 30);
}

TEST_F(TwoInstances, TokensPerMinuteHoldAcrossInstances) {
    const int64_t reserved = reservation_of(small_chat()) / kNanoPerToken;
    const int64_t tpm = reserved * 10;
    StateSetup s;
    s.key_limits = "{tpm: " + std::to_string(tpm) + "}";
    start(s);
    int ok = 0;
    int64_t used = 0;
    for (int i = 0; i < 100; ++i) {
        HttpResponse r = post_chat(port(i), small_chat(), bearer("sk-app"));
        if (r.status != 200) continue;
        ++ok;
        used += usage_tokens(r.body);
    }
    // Answers use fewer tokens than they reserve, so reconciliation admits more than ten, but the
    // tokens actually used stay within the limit.
    EXPECT_GT(ok, 10);
    EXPECT_LT(ok, 100);
    EXPECT_LE(used, tpm);
}

TEST_F(TwoInstances, NoReservationOutlivesSuccessErrorCancelOrTimeout) {
    StateSetup s;
    s.key_limits = "{budget_usd: 100000, tpm: 100000000, max_concurrent: 1000}";
    s.first_byte_ms = "200";
    s.max_threads = 64;
    start(s);
    std::atomic<int> next{0};
    std::atomic<int> kinds[5] = {};
    std::vector<std::thread> workers;
    for (int w = 0; w < 16; ++w)
        workers.emplace_back([&] {
            for (int i = next++; i < 1000; i = next++) {
                int kind = i % 20 == 0 ? 1 : i % 20 == 1 ? 2 : i % 20 == 2 ? 3 : i % 20 == 3 ? 4 : 0;
                if (kind == 3) {  // the client leaves in the middle of a stream
                    HttpClient c(port(i));
                    c.send_request("POST", "/v1/chat/completions",
                                   small_chat("#fake:chunk_delay_ms=30,words=20", true), bearer("sk-app"));
                    HttpResponse head;
                    std::string some;
                    if (c.read_head(head) && head.status == 200 && c.read_some(some)) ++kinds[3];
                    c.close();
                    continue;
                }
                std::string d = kind == 1 ? "#fake:status=500" : kind == 2 ? "#fake:delay_ms=400" : "";
                HttpResponse r = post_chat(port(i), small_chat(d, kind == 4), bearer("sk-app"));
                int want = kind == 1 ? 502 : kind == 2 ? 504 : 200;
                if (r.status == want) ++kinds[kind];
                else ADD_FAILURE() << "kind " << kind << ": " << r.status << " " << r.body;
            }
        });
    for (auto& t : workers) t.join();
    EXPECT_EQ(kinds[1].load(), 50);
    EXPECT_EQ(kinds[2].load(), 50);
    EXPECT_EQ(kinds[3].load(), 50);
    EXPECT_EQ(kinds[0].load() + kinds[4].load(), 850);
    // Cancelled streams settle when the gateway notices the client left.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string outstanding, concurrent;
    while (std::chrono::steady_clock::now() < deadline) {
        outstanding = redis_.cli("ZCARD 'sy:{t:search}:rx'");
        concurrent = redis_.cli("GET 'sy:{t:search}:c:key:app'");
        if (outstanding == "0\n" && concurrent == "0\n") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(outstanding, "0\n");
    EXPECT_EQ(concurrent, "0\n");
    std::string usage = settled_usage(port(0));
    EXPECT_NE(usage.find("\"reserved_usd\":0.0"), std::string::npos) << usage;
}

TEST_F(TwoInstances, AHugeMaxTokensIsClampedAndDoesNotBlockTheKey) {
    const int64_t reserve = reservation_of(small_chat());
    StateSetup s;
    s.key_limits = "{budget_usd: " + std::to_string(3.0 * static_cast<double>(reserve) / 1e9) + "}";
    start(s);
    std::string huge = R"({"model": "m", "max_tokens": 1000000000, "messages": [{"role": "user", "content": "hi "}]})";
    HttpResponse r = post_chat(port(0), huge, bearer("sk-app"));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("x-switchyard-max-tokens-clamped"), "10");
    // Settlement is asynchronous: each request's reservation is settled before the next is sent,
    // so that what could block the key is the clamped reservation alone.
    for (int i = 0; i < 3; ++i) {
        settled_usage(port(0));
        EXPECT_EQ(post_chat(port(i), small_chat(), bearer("sk-app")).status, 200) << i;
    }
}

TEST_F(TwoInstances, AModelsOwnLimitHoldsForEveryKeyAndAnonymousTraffic) {
    StateSetup s;
    s.key_limits = "{rpm: 1000}";
    s.model_limits = "{rpm: 10}";
    s.extra_keys = "    - {key: sk-other, id: other}\n";
    start(s);
    int ok = 0, limited = 0;
    for (int i = 0; i < 16; ++i) {
        HttpResponse r = post_chat(port(i), small_chat(), bearer(i % 2 ? "sk-app" : "sk-other"));
        if (r.status == 200) ++ok;
        else if (r.status == 429 && r.body.find("model 'm'") != std::string::npos) ++limited;
        else ADD_FAILURE() << r.status << " " << r.body;
    }
    EXPECT_EQ(ok, 10);
    EXPECT_EQ(limited, 6);
    // The key's own window counted only what the model let through: nothing stays reserved.
    std::string usage = settled_usage(port(0));
    EXPECT_NE(usage.find("\"reserved_usd\":0.0"), std::string::npos) << usage;
}

TEST_F(TwoInstances, PoliciesSeeTheSharedBudgetBeforeItRunsOut) {
    std::string dir = make_temp_dir();
    write_file(dir + "/budget.lua", R"(
function route(req)
  if req.budget.limit_usd > 0 and req.budget.spent_usd >= req.budget.limit_usd / 2 then
    return {deny = "half of the budget is gone", status = 403}
  end
end
)");
    const int64_t reserve = reservation_of(small_chat());
    StateSetup s;
    s.key_limits = "{budget_usd: " + std::to_string(8.0 * static_cast<double>(reserve) / 1e9) + "}";
    s.extra_yaml = "policies:\n  - file: " + dir + "/budget.lua\n";
    start(s);
    int ok = 0, denied = 0;
    for (int i = 0; i < 40 && denied == 0; ++i) {
        HttpResponse r = post_chat(port(i), small_chat(), bearer("sk-app"));
        if (r.status == 200) ++ok;
        else if (r.status == 403 && r.body.find("half of the budget") != std::string::npos) ++denied;
        else ADD_FAILURE() << r.status << " " << r.body;
    }
    EXPECT_EQ(denied, 1);
    // The policy saw spent plus reserved reach half the budget (4R). Each admitted request adds at
    // most R to that sum (its reservation, or its smaller cost once settled; settlements go out in
    // the background, so on a loaded machine several may still be reserved), so at least 4 got
    // through first, whatever the timing.
    EXPECT_GE(ok, 4);
    std::string usage = settled_usage(port(1));
    double spent = std::stod(usage.substr(usage.find("\"spent_usd\":") + 12));
    EXPECT_GT(spent, 0) << usage;
    EXPECT_LT(spent * 1e9, 8.0 * static_cast<double>(reserve)) << "denied by the policy before the budget ran out";
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
