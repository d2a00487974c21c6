#include "support/servers.hpp"

#include <csignal>
#include <chrono>
#include <cstdio>
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

RedisServer::RedisServer() : RedisServer(free_port()) {}

RedisServer::RedisServer(int port) : dir_(make_temp_dir()), port_(port) { start(); }

RedisServer::~RedisServer() {
    if (proc_) {
        proc_->signal(SIGCONT);
        proc_->stop(3000);
    }
    remove_tree(dir_);
}

bool RedisServer::start() {
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", dir_, "--protected-mode", "no"},
        dir_ + "/redis.log");
    ready_ = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline && proc_->running()) {
        if (wait_for_port(port_, 50) && cli("PING").find("PONG") != std::string::npos) return ready_ = true;
    }
    return false;
}

void RedisServer::kill() {
    if (!proc_) return;
    proc_->signal(SIGKILL);
    proc_->wait(3000);
}

void RedisServer::freeze() {
    if (proc_) proc_->signal(SIGSTOP);
}

void RedisServer::thaw() {
    if (proc_) proc_->signal(SIGCONT);
}

std::string RedisServer::cli(const std::string& args) const {
    std::string cmd = "redis-cli -h 127.0.0.1 -p " + std::to_string(port_) + " " + args + " 2>&1";
    std::string out;
    if (FILE* f = popen(cmd.c_str(), "r")) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
        pclose(f);
    }
    return out;
}

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
