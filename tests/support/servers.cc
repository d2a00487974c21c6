#include "support/servers.hpp"

#include <chrono>
#include <thread>

#include "support/http_client.hpp"

namespace sy::test {
namespace {

std::vector<std::string> split_args(const std::string& s) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t sp = s.find(' ', pos);
        if (sp == std::string::npos) sp = s.size();
        if (sp > pos) out.push_back(s.substr(pos, sp - pos));
        pos = sp + 1;
    }
    return out;
}

bool wait_ready(int port, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        if (wait_for_port(port, 50)) {
            HttpClient c(port, 1000);
            if (c.request("GET", "/readyz").status == 200) return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

}  // namespace

std::string gateway_binary() { return build_dir() + "/bin/switchyard"; }
std::string plugin_dir() { return build_dir() + "/lib/switchyard/plugins"; }

FakeUpstream::FakeUpstream(const std::string& extra_args) {
    dir_ = make_temp_dir();
    std::string port_file = dir_ + "/port";
    std::vector<std::string> argv = {"python3", source_dir() + "/tests/fakes/fake_openai.py", "--port", "0",
                                     "--port-file", port_file};
    for (auto& a : split_args(extra_args)) argv.push_back(a);
    proc_ = std::make_unique<Process>(argv, dir_ + "/fake.log");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline && proc_->running()) {
        std::string p = read_file(port_file);
        if (!p.empty()) {
            port_ = std::atoi(p.c_str());
            if (wait_for_port(port_, 2000)) return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    port_ = 0;
}

FakeUpstream::~FakeUpstream() {
    if (proc_) proc_->stop(3000);
    remove_tree(dir_);
}

std::string FakeUpstream::stats() const {
    HttpClient c(port_);
    return c.request("GET", "/_stats").body;
}

GatewayProcess::GatewayProcess(const std::string& yaml) {
    dir_ = make_temp_dir();
    write_file(dir_ + "/config.yaml", yaml);
    port_ = free_port();
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{gateway_binary(), "serve", "--config", dir_ + "/config.yaml", "--listen",
                                 "127.0.0.1:" + std::to_string(port_)},
        dir_ + "/gateway.log");
    ready_ = wait_ready(port_, 10000);
}

GatewayProcess::~GatewayProcess() {
    if (proc_) proc_->stop(10000);
    remove_tree(dir_);
}

}  // namespace sy::test
