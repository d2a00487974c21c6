#include "support/servers.hpp"

#include <csignal>
#include <filesystem>
#include <chrono>
#include <cctype>
#include <cstdio>
#include <regex>
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

// True when process pid holds the socket listening on 127.0.0.1:port (/proc/net/tcp names the
// socket's inode, the process's descriptors link to it).
bool listens_on(pid_t pid, int port) {
    std::FILE* f = std::fopen("/proc/net/tcp", "r");
    if (!f) return false;
    char want[16];
    std::snprintf(want, sizeof want, "0100007F:%04X", port);
    std::vector<std::string> inodes;
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
        char local[64], remote[64], state[8];
        unsigned long inode = 0;
        // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
        if (std::sscanf(line, " %*s %63s %63s %7s %*s %*s %*s %*s %*s %lu", local, remote, state, &inode) == 4 &&
            std::string(local) == want && std::string(state) == "0A")
            inodes.push_back("socket:[" + std::to_string(inode) + "]");
    }
    std::fclose(f);
    if (inodes.empty()) return false;
    const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
    for (const auto& entry : std::filesystem::directory_iterator(fd_dir, std::filesystem::directory_options::skip_permission_denied)) {
        std::error_code ec;
        const std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
        for (const std::string& inode : inodes)
            if (!ec && target == inode) return true;
    }
    return false;
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

RedisServer::RedisServer(int port, std::vector<std::string> extra_args)
    : dir_(make_temp_dir()), port_(port), extra_args_(std::move(extra_args)) {
    start();
}

RedisServer::~RedisServer() {
    if (proc_) {
        proc_->signal(SIGCONT);
        proc_->stop(3000);
    }
    remove_tree(dir_);
}

bool RedisServer::start() {
    std::vector<std::string> argv{"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", dir_, "--protected-mode", "no"};
    argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
    proc_ = std::make_unique<Process>(argv, dir_ + "/redis.log");
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
    ready_ = false;
}

void RedisServer::freeze() {
    if (proc_) proc_->signal(SIGSTOP);
}

void RedisServer::thaw() {
    if (proc_) proc_->signal(SIGCONT);
}

std::string RedisServer::cli(const std::string& args) const {
    return capture("redis-cli -h 127.0.0.1 -p " + std::to_string(port_) + " " + args);
}

RedisClusterProcess::RedisClusterProcess() {
    for (int i = 0; i < 6; ++i) {
        // A free port may be taken by the time the node binds it (tests run in parallel), and two
        // calls may return the same one: a node that did not start is tried again on new ports.
        for (int attempt = 0; attempt < 3; ++attempt) {
            int port = free_port(), bus = free_port();
            while (bus == port) bus = free_port();
            // The bus port is given explicitly: the default (port + 10000) may be taken or out of range.
            auto node = std::make_unique<RedisServer>(
                port, std::vector<std::string>{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                               "--cluster-node-timeout", "1000", "--cluster-port", std::to_string(bus),
                                               "--repl-diskless-sync-delay", "0"});
            if (node->ok()) {
                nodes_.push_back(std::move(node));
                break;
            }
            log_ = "node " + node->address() + " did not start";
        }
        if (nodes_.size() != static_cast<size_t>(i) + 1) return;
    }
    std::string create = "--cluster create";
    for (auto& n : nodes_) create += " " + n->address();
    create += " --cluster-replicas 1 --cluster-yes";
    log_ = nodes_.front()->cli(create);
    if (log_.find("[OK] All 16384 slots covered") == std::string::npos) return;
    ready_ = wait_healthy(0, 15000);
    if (!ready_) {
        log_ += "\ncluster_state did not become ok";
        return;
    }
    // A replica that never synced cannot take over: wait until every replica's link is up.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (auto& n : nodes_) {
        while (true) {
            std::string info = n->cli("INFO replication");
            if (info.find("role:master") != std::string::npos || info.find("master_link_status:up") != std::string::npos)
                break;
            if (std::chrono::steady_clock::now() > deadline) {
                ready_ = false;
                log_ += "\nreplica " + n->address() + " did not sync";
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
}

int RedisClusterProcess::primary_for(int slot) {
    for (size_t i = 0; i < nodes_.size(); ++i) {
        if (!nodes_[i]->ok()) continue;
        std::string slots = nodes_[i]->cli("CLUSTER SLOTS");
        if (slots.empty() || slots.find("ERR") != std::string::npos || slots.find("Could not") != std::string::npos)
            continue;
        // redis-cli prints each range as lines: start, end, then host, port, id per node.
        std::vector<std::string> lines;
        size_t pos = 0;
        while (pos < slots.size()) {
            size_t nl = slots.find('\n', pos);
            lines.push_back(slots.substr(pos, nl - pos));
            pos = nl == std::string::npos ? slots.size() : nl + 1;
        }
        for (size_t l = 0; l + 3 < lines.size(); ++l) {
            bool numbers = !lines[l].empty() && !lines[l + 1].empty() &&
                           lines[l].find_first_not_of("0123456789") == std::string::npos &&
                           lines[l + 1].find_first_not_of("0123456789") == std::string::npos &&
                           lines[l + 2] == "127.0.0.1";
            if (!numbers) continue;
            int first = std::stoi(lines[l]), last = std::stoi(lines[l + 1]), port = std::stoi(lines[l + 3]);
            if (slot < first || slot > last) continue;
            for (size_t k = 0; k < nodes_.size(); ++k)
                if (nodes_[k]->port() == port) return static_cast<int>(k);
        }
        return -1;
    }
    return -1;
}

std::string RedisClusterProcess::id(size_t i) {
    std::string out = nodes_.at(i)->cli("CLUSTER MYID");
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

bool RedisClusterProcess::wait_healthy(int slot, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        bool all_ok = true;
        for (auto& n : nodes_) {
            if (!n->ok()) continue;
            if (n->cli("CLUSTER INFO").find("cluster_state:ok") == std::string::npos) all_ok = false;
        }
        int p = all_ok ? primary_for(slot) : -1;
        if (p >= 0 && nodes_[static_cast<size_t>(p)]->ok()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

bool RedisClusterProcess::migrate_slot(int slot, size_t from, size_t to) {
    std::string s = std::to_string(slot), from_id = id(from), to_id = id(to);
    nodes_[to]->cli("CLUSTER SETSLOT " + s + " IMPORTING " + from_id);
    nodes_[from]->cli("CLUSTER SETSLOT " + s + " MIGRATING " + to_id);
    for (int round = 0; round < 1000; ++round) {
        std::string keys = nodes_[from]->cli("CLUSTER GETKEYSINSLOT " + s + " 50");
        std::string list;
        size_t pos = 0;
        while (pos < keys.size()) {
            size_t nl = keys.find('\n', pos);
            std::string k = keys.substr(pos, nl - pos);
            if (!k.empty()) list += " '" + k + "'";
            pos = nl == std::string::npos ? keys.size() : nl + 1;
        }
        if (list.empty()) break;
        std::string moved = nodes_[from]->cli("MIGRATE 127.0.0.1 " + std::to_string(nodes_[to]->port()) +
                                              " \"\" 0 5000 REPLACE KEYS" + list);
        if (moved.find("ERR") != std::string::npos) return false;
    }
    for (auto& n : nodes_)
        if (n->ok()) n->cli("CLUSTER SETSLOT " + s + " NODE " + to_id);
    return true;
}

RedisSentinelGroup::RedisSentinelGroup() : dir_(make_temp_dir()) {
    primary_ = std::make_unique<RedisServer>(free_port(), std::vector<std::string>{"--repl-diskless-sync-delay", "0"});
    replica_ = std::make_unique<RedisServer>(
        free_port(), std::vector<std::string>{"--replicaof", "127.0.0.1", std::to_string(primary_->port()),
                                              "--repl-diskless-sync-delay", "0"});
    if (!primary_->ok() || !replica_->ok()) {
        log_ = "primary or replica did not start";
        return;
    }
    for (int i = 0; i < 3; ++i) {
        int port = free_port();
        std::string conf = dir_ + "/sentinel-" + std::to_string(i) + ".conf";
        write_file(conf, "port " + std::to_string(port) + "\nbind 127.0.0.1\ndir " + dir_ +
                             "\nsentinel monitor mymaster 127.0.0.1 " + std::to_string(primary_->port()) +
                             " 2\nsentinel down-after-milliseconds mymaster 1000\n"
                             "sentinel failover-timeout mymaster 5000\n");
        sentinels_.push_back(std::make_unique<Process>(std::vector<std::string>{"redis-server", conf, "--sentinel"},
                                                       dir_ + "/sentinel-" + std::to_string(i) + ".log"));
        sentinel_ports_.push_back(port);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
        bool synced = replica_->cli("INFO replication").find("master_link_status:up") != std::string::npos;
        if (synced && primary_port() == primary_->port()) {
            ready_ = true;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    log_ = "sentinels or replica not ready";
}

RedisSentinelGroup::~RedisSentinelGroup() {
    for (auto& s : sentinels_) s->stop(3000);
    sentinels_.clear();
    primary_.reset();
    replica_.reset();
    remove_tree(dir_);
}

std::vector<std::string> RedisSentinelGroup::sentinels() const {
    std::vector<std::string> out;
    for (int p : sentinel_ports_) out.push_back("127.0.0.1:" + std::to_string(p));
    return out;
}

int RedisSentinelGroup::primary_port() {
    for (int p : sentinel_ports_) {
        std::string out =
            capture("redis-cli -h 127.0.0.1 -p " + std::to_string(p) + " SENTINEL get-master-addr-by-name mymaster");
        size_t nl = out.find('\n');
        if (nl == std::string::npos || out.find("Could not") != std::string::npos) continue;
        std::string port = out.substr(nl + 1);
        if (!port.empty() && std::isdigit(static_cast<unsigned char>(port[0]))) return std::stoi(port);
    }
    return 0;
}

std::string gateway_binary() { return build_dir() + "/bin/switchyard"; }
std::string plugin_dir() { return build_dir() + "/lib/switchyard/plugins"; }

FakeUpstream::FakeUpstream(const std::string& extra_args, const std::string& script) {
    dir_ = make_temp_dir();
    std::string port_file = dir_ + "/port";
    std::vector<std::string> argv = {"python3", source_dir() + "/tests/fakes/" + script, "--port", "0",
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

int FakeUpstream::requests() const { return stat("requests"); }

int FakeUpstream::stat(const std::string& key) const {
    std::smatch m;
    std::string s = stats();
    return std::regex_search(s, m, std::regex("\"" + key + "\": (\\d+)")) ? std::stoi(m[1]) : -1;
}

GatewayProcess::GatewayProcess(const std::string& yaml) {
    dir_ = make_temp_dir();
    write_file(dir_ + "/config.yaml", yaml);
    // Tests run in parallel: the free port drawn here may be taken by another test's gateway
    // before this one binds it. This one then exits, and the other one would answer /readyz in
    // its place (seen in CI: two cache tests each counting the other's requests). So ready means
    // this process listens on the port, and a clash is tried again on a new port.
    for (int attempt = 0; attempt < 3; ++attempt) {
        port_ = free_port();
        proc_ = std::make_unique<Process>(
            std::vector<std::string>{gateway_binary(), "serve", "--config", dir_ + "/config.yaml", "--listen",
                                     "127.0.0.1:" + std::to_string(port_)},
            dir_ + "/gateway.log");
        ready_ = wait_own_ready(10000);
        if (ready_ || proc_->running() || proc_->log().find("cannot listen on") == std::string::npos) return;
    }
}

bool GatewayProcess::wait_own_ready(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!proc_->running()) return false;
        if (listens_on(proc_->pid(), port_)) return wait_ready(port_, timeout_ms);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

GatewayProcess::~GatewayProcess() {
    if (proc_) proc_->stop(10000);
    remove_tree(dir_);
}

}  // namespace sy::test
