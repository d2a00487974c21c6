// deploy/local-cluster.sh: Redis, three instances and nginx on loopback; limits hold across the
// instances behind the load balancer, and `stop` leaves no process behind.
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"
#include "cluster_support.hpp"

namespace sy::test {
namespace {

class LocalClusterTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = make_temp_dir();
        script_ = source_dir() + "/deploy/local-cluster.sh";
        std::string out = run("SWITCHYARD_BIN=" + gateway_binary() + " SY_DEMO_RPM=30 " + script_ +
                              " start -n 3 --dir " + dir_);
        env_ = env_file(dir_ + "/cluster.env");
        ASSERT_FALSE(env_["LB_PORT"].empty()) << out;
    }
    void TearDown() override {
        run(script_ + " stop --dir " + dir_);
        remove_tree(dir_);
    }
    std::string dir_, script_;
    std::map<std::string, std::string> env_;
};

TEST_F(LocalClusterTest, RateLimitHoldsAcrossInstancesBehindNginx) {
    int lb = std::stoi(env_["LB_PORT"]);
    std::string body = R"({"model": "weak", "messages": [{"role": "user", "content": "hello"}]})";
    int ok = 0, limited = 0;
    for (int i = 0; i < 45; ++i) {
        HttpResponse r = post_chat(lb, body, {{"Authorization", "Bearer sk-demo-local"}});
        if (r.status == 200) ++ok;
        else if (r.status == 429) ++limited;
        else ADD_FAILURE() << r.status << " " << r.body;
    }
    EXPECT_EQ(ok, 30) << "30 requests per minute for the key, over all three instances";
    EXPECT_EQ(limited, 15);
    // nginx spread them: every instance answered some.
    for (int port : port_list(env_["GATEWAY_PORTS"])) {
        HttpClient c(port);
        std::string metrics = c.request("GET", "/metrics").body;
        EXPECT_GT(metric_value(metrics, R"(switchyard_requests_total{model="weak",provider="local-mock",status_class="2xx"})"), 0)
            << "instance on " << port;
    }
    std::string status = run(script_ + " status --dir " + dir_);
    EXPECT_NE(status.find("gateway-3: running"), std::string::npos) << status;
    EXPECT_NE(status.find("nginx: running"), std::string::npos) << status;
}

TEST_F(LocalClusterTest, StopLeavesNoProcessBehind) {
    std::vector<int> pids;
    for (const char* name : {"redis", "gateway-1", "gateway-2", "gateway-3", "nginx"})
        pids.push_back(std::stoi(read_file(dir_ + "/" + name + ".pid")));
    run(script_ + " stop --dir " + dir_);
    for (int pid : pids) EXPECT_FALSE(alive(pid)) << "pid " << pid << " still running";
}

}  // namespace
}  // namespace sy::test
