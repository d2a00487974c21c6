// Policies in a running gateway: a broken policy under concurrent load, and hot reloads of a
// good and of a bad policy (file watcher, SIGHUP, POST /admin/reload) while requests flow.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string base_config(const std::string& policy_file, const std::string& extra = "") {
    return R"(
plugins:
  search_paths: [")" + plugin_dir() + R"("]
auth:
  admin_key: admin-secret
providers:
  - {name: local, plugin: mock}
models:
  - {name: strong, deployments: [{provider: local}]}
  - {name: weak, deployments: [{provider: local}]}
routing:
  default_model: strong
policies:
  - file: )" + policy_file + "\n" + extra;
}

std::string chat(const std::string& text) {
    return R"({"model": "auto", "messages": [{"role": "user", "content": ")" + text + R"("}]})";
}

TEST(PolicyRuntimeTest, BrokenPolicyUnderLoadOnlyFailsItsOwnCalls) {
    std::string dir = make_temp_dir();
    write_file(dir + "/p.lua", R"(
function route(req)
  if req.last_user_message == "loop" then while true do end end
  if req.last_user_message == "bomb" then local t = {} for i = 1, 1e9 do t[i] = i end end
  if req.last_user_message == "crash" then error("deliberate") end
  return { model = "strong", reason = "ok" }
end)");
    GatewayProcess gw(base_config(dir + "/p.lua", "    timeout_ms: 50\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    std::atomic<int> good_ok{0}, good_total{0}, bad_total{0}, bad_served{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 6; ++t) {
        clients.emplace_back([&, t] {
            const char* bad[] = {"loop", "bomb", "crash"};
            for (int i = 0; i < 20; ++i) {
                bool is_bad = t % 2 == 0;
                HttpResponse r = post_chat(gw.port(), chat(is_bad ? bad[(t + i) % 3] : "fine"));
                if (is_bad) {
                    ++bad_total;
                    // on_error: open skips the failing policy; the request is still served
                    if (r.status == 200 && r.header("x-switchyard-route") == "default:strong") ++bad_served;
                } else {
                    ++good_total;
                    if (r.status == 200 && r.header("x-switchyard-model") == "strong" &&
                        r.header("x-switchyard-route") == "policy:p ok")
                        ++good_ok;
                }
            }
        });
    }
    for (auto& c : clients) c.join();
    EXPECT_EQ(good_ok.load(), good_total.load());
    EXPECT_EQ(bad_served.load(), bad_total.load());
    std::string log = gw.log();
    EXPECT_NE(log.find("instruction limit"), std::string::npos);
    EXPECT_NE(log.find("deliberate"), std::string::npos);
    EXPECT_NE(log.find("p.lua:5:"), std::string::npos) << "errors name the line";
    EXPECT_TRUE(gw.process().running());
    HttpClient c(gw.port());
    std::string metrics = c.request("GET", "/metrics").body;
    EXPECT_EQ(metric_value(metrics, "switchyard_policy_errors_total{policy=\"p\",on_error=\"open\"}"), bad_total.load())
        << metrics;
    EXPECT_EQ(metric_value(metrics, "switchyard_routing_decisions_total{source=\"policy\"}"), good_total.load());
    remove_tree(dir);
}

TEST(PolicyRuntimeTest, FailClosedPolicyRefusesWith503) {
    std::string dir = make_temp_dir();
    write_file(dir + "/p.lua", "function route(req) error('down') end");
    GatewayProcess gw(base_config(dir + "/p.lua", "    on_error: closed\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = post_chat(gw.port(), chat("x"));
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find("policy_error"), std::string::npos) << r.body;
    remove_tree(dir);
}

// Sends requests until the answer comes from `model` (or times out); returns how many failed.
int until_model(int port, const std::string& model, int timeout_ms, bool* reached) {
    int failures = 0;
    *reached = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        HttpResponse r = post_chat(port, chat("hello"));
        if (r.status != 200) ++failures;
        if (r.header("x-switchyard-model") == model) {
            *reached = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return failures;
}

TEST(PolicyRuntimeTest, HotReloadSwapsAGoodPolicyAndKeepsTheOldOnABadOne) {
    std::string dir = make_temp_dir();
    write_file(dir + "/p.lua", "function route(req) return {model = 'weak'} end");
    write_file(dir + "/p_test.yaml", R"(
cases:
  - name: answers
    request: {model: auto, messages: [{role: user, content: "hello"}]}
    expect: {policy: p}
)");
    GatewayProcess gw(base_config(dir + "/p.lua"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    // Background traffic during every reload: nothing may fail.
    std::atomic<bool> stop{false};
    std::atomic<int> failed{0}, sent{0};
    std::thread traffic([&] {
        while (!stop) {
            HttpResponse r = post_chat(gw.port(), R"({"model": "auto", "stream": true, "messages": [{"role": "user", "content": "bg"}]})");
            ++sent;
            if (r.status != 200 || r.body.find("[DONE]") == std::string::npos) ++failed;
        }
    });

    // 1. A good edit is picked up by the file watcher.
    write_file(dir + "/p.lua", "function route(req) return {model = 'strong'} end");
    bool reached = false;
    EXPECT_EQ(until_model(gw.port(), "strong", 5000, &reached), 0);
    EXPECT_TRUE(reached) << gw.log();

    // 2. A syntax error is refused; the running policy keeps answering.
    write_file(dir + "/p.lua", "function route(req) return {model = 'weak' end");
    for (int i = 0; i < 250 && gw.log().find("keeping the running config") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the watcher polls; a loaded machine is slower
    EXPECT_EQ(post_chat(gw.port(), chat("hello")).header("x-switchyard-model"), "strong");
    EXPECT_NE(gw.log().find("keeping the running config"), std::string::npos);

    // 3. A policy that compiles but breaks its recorded cases is refused too (admin endpoint).
    write_file(dir + "/p.lua", "function route(req) return nil end");
    HttpClient admin(gw.port());
    HttpResponse a = admin.request("POST", "/admin/reload", "", {{"Authorization", "Bearer admin-secret"}});
    EXPECT_EQ(a.status, 409) << a.body;
    EXPECT_NE(a.body.find("recorded cases"), std::string::npos) << a.body;
    EXPECT_EQ(post_chat(gw.port(), chat("hello")).header("x-switchyard-model"), "strong");
    HttpClient anon(gw.port());
    EXPECT_EQ(anon.request("POST", "/admin/reload").status, 401);

    // 4. SIGHUP with a good policy.
    write_file(dir + "/p.lua", "function route(req) return {model = 'weak', reason = 'v4'} end");
    ASSERT_TRUE(gw.process().signal(SIGHUP));
    EXPECT_EQ(until_model(gw.port(), "weak", 5000, &reached), 0);
    EXPECT_TRUE(reached);

    HttpClient m(gw.port());
    std::string metrics = m.request("GET", "/metrics").body;
    // At least the two refusals above (the file watcher may also have seen half-written files).
    EXPECT_GE(metric_value(metrics, "switchyard_config_reload_failures_total"), 2) << metrics;
    EXPECT_GE(metric_value(metrics, "switchyard_config_generation"), 3) << metrics;

    stop = true;
    traffic.join();
    EXPECT_GT(sent.load(), 0);
    EXPECT_EQ(failed.load(), 0) << "requests failed during reloads";
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
