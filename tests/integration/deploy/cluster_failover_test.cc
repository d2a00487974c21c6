// Three instances behind nginx with shared Redis, under bounded load: a policy change reaches
// every instance while requests flow, one instance is stopped with SIGTERM (it drains) and one
// is killed (nginx retries its requests elsewhere). No client request fails, and the key's
// spend in Redis equals the cost of the answers the clients got (less any the killed instance
// had sent but not yet settled, which stay reserved).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <mutex>
#include <regex>
#include <thread>

#include "cluster_support.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

constexpr int kClients = 4;
constexpr int kRequests = 240;  // in all

const char* kConfig = R"(
providers:
  - {name: local-mock, plugin: mock, config: {ttft_ms: 20, tokens_per_second: 400}}
models:
  - {name: strong, input_price_per_mtok: 5.0, output_price_per_mtok: 15.0, deployments: [{provider: local-mock, model: mock-strong}]}
  - {name: weak, input_price_per_mtok: 0.15, output_price_per_mtok: 0.60, deployments: [{provider: local-mock, model: mock-weak}]}
policies: [{name: route, file: route.lua}]
state:
  redis: {address: "${SY_REDIS_ADDRESS}"}
auth:
  required: true
  admin_key: sy-admin-test
  keys: [{key: sk-load, id: load, limits: {budget_usd: 100, period: daily}}]
)";

std::string policy(const std::string& model, const std::string& version) {
    return "function route(req) return {model = '" + model + "', reason = '" + version + "'} end\n";
}

double generation(int port) {
    HttpClient c(port);
    return metric_value(c.request("GET", "/metrics").body, "switchyard_config_generation");
}

// The cost of one answer from its usage and the model's prices (as the gateway computes it).
int64_t answer_cost_nano(const HttpResponse& r) {
    static const std::regex usage(R"re("prompt_tokens": ?(\d+).*"completion_tokens": ?(\d+))re");
    std::smatch m;
    if (!std::regex_search(r.body, m, usage)) return -1;
    const bool strong = r.header("x-switchyard-model") == "strong";
    double nano = std::stod(m[1]) * (strong ? 5.0 : 0.15) * 1e3 + std::stod(m[2]) * (strong ? 15.0 : 0.60) * 1e3;
    return std::llround(nano);
}

TEST(ClusterFailoverTest, PolicyChangeDrainAndKillUnderLoadLoseNothing) {
    const std::string dir = make_temp_dir();
    const std::string script = source_dir() + "/deploy/local-cluster.sh";
    write_file(dir + "/switchyard.yaml", kConfig);
    write_file(dir + "/route.lua", policy("weak", "v1"));
    std::string out = run("SWITCHYARD_BIN=" + gateway_binary() + " " + script + " start -n 3 --config " + dir +
                          "/switchyard.yaml --dir " + dir + "/cluster");
    auto env = env_file(dir + "/cluster/cluster.env");
    ASSERT_FALSE(env["LB_PORT"].empty()) << out;
    const int lb = std::stoi(env["LB_PORT"]);
    const std::vector<int> ports = port_list(env["GATEWAY_PORTS"]);
    ASSERT_EQ(ports.size(), 3u);

    std::atomic<int> next{0}, done{0};
    std::atomic<bool> v2_everywhere{false};
    std::mutex mu;
    std::vector<std::string> failures;
    int64_t charged_nano = 0;
    int v2_answers = 0, stale_after_change = 0;
    auto client = [&] {
        for (int i = next++; i < kRequests; i = next++) {
            const bool after_change = v2_everywhere.load();
            HttpResponse r = post_chat(lb, R"({"model": "weak", "max_tokens": 24, "messages": [{"role": "user", "content": "request )" +
                                               std::to_string(i) + R"("}]})",
                                       {{"Authorization", "Bearer sk-load"}});
            std::lock_guard lock(mu);
            if (r.status != 200) {
                failures.push_back(std::to_string(r.status) + " " + r.body);
            } else {
                charged_nano += answer_cost_nano(r);
                const bool v2 = r.header("x-switchyard-route").find("v2") != std::string::npos;
                v2_answers += v2;
                stale_after_change += after_change && !v2;
            }
            ++done;
        }
    };
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) clients.emplace_back(client);
    auto wait_done = [&](int n) {
        for (int i = 0; i < 3000 && done.load() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    };

    // 1. A policy change on the shared file reaches all three instances while load runs.
    wait_done(40);
    std::vector<double> before;
    for (int port : ports) before.push_back(generation(port));
    write_file(dir + "/route.lua.new", policy("strong", "v2"));
    std::rename((dir + "/route.lua.new").c_str(), (dir + "/route.lua").c_str());
    for (int i = 0; i < 100; ++i) {
        bool all = true;
        for (size_t k = 0; k < ports.size(); ++k) all = all && generation(ports[k]) > before[k];
        if (all) {
            v2_everywhere = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(v2_everywhere.load()) << "every instance reloaded the changed policy";

    // 2. SIGTERM: the first instance drains its requests and leaves.
    wait_done(100);
    const int drained = std::stoi(read_file(dir + "/cluster/gateway-1.pid"));
    ::kill(drained, SIGTERM);
    // 3. SIGKILL: the second dies with requests in flight; nginx retries them on the third.
    wait_done(150);
    const int killed = std::stoi(read_file(dir + "/cluster/gateway-2.pid"));
    ::kill(killed, SIGKILL);
    for (auto& t : clients) t.join();

    EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
    EXPECT_EQ(done.load(), kRequests);
    EXPECT_EQ(stale_after_change, 0) << "no instance answered with the old policy after all reloaded";
    EXPECT_GT(v2_answers, 0);
    for (int i = 0; i < 100 && alive(drained); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(alive(drained)) << "the drained instance exited";
    std::string log1 = read_file(dir + "/cluster/gateway-1.log");
    EXPECT_NE(log1.find("received SIGTERM, draining"), std::string::npos) << log1;

    // Budgets: the spend in Redis is what the answers the clients got cost, except for an answer
    // the killed instance sent in the moment before it settled it: that one is still held as a
    // reservation (until state.reservation_ttl_ms). So spend never exceeds what the clients got,
    // and spend plus what is still reserved covers it.
    HttpClient admin(ports[2]);
    HttpResponse key = admin.request("GET", "/admin/keys/load", "", {{"Authorization", "Bearer sy-admin-test"}});
    std::smatch spent_m, reserved_m;
    ASSERT_TRUE(std::regex_search(key.body, spent_m, std::regex(R"re("spent_usd": ?([0-9.eE+-]+))re"))) << key.body;
    ASSERT_TRUE(std::regex_search(key.body, reserved_m, std::regex(R"re("reserved_usd": ?([0-9.eE+-]+))re")))
        << key.body;
    const double spent = std::stod(spent_m[1]), reserved = std::stod(reserved_m[1]);
    const double charged = static_cast<double>(charged_nano) / 1e9, slack = 1e-9 * kRequests;
    EXPECT_LE(spent, charged + slack) << key.body;
    EXPECT_GE(spent + reserved, charged - slack) << key.body;
    run(script + " stop --dir " + dir + "/cluster");
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
