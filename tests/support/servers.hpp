// The servers integration tests run: the fake OpenAI upstream (tests/fakes/fake_openai.py) and
// the gateway binary with a config written for the test. Both listen on 127.0.0.1 on free
// ports and are stopped by PID when the object dies.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace sy::test {

class FakeUpstream {
public:
    // `script`: another fake in tests/fakes/ that takes --port and --port-file (e.g.
    // hostile_upstream.py).
    explicit FakeUpstream(const std::string& extra_args = "", const std::string& script = "fake_openai.py");
    ~FakeUpstream();
    int port() const { return port_; }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
    // GET /_stats as raw JSON.
    std::string stats() const;
    // Chat requests it received (from /_stats), or -1 when it does not answer.
    int requests() const;
    // One counter of /_stats (e.g. streams_aborted_by_client), or -1.
    int stat(const std::string& key) const;
    bool ok() const { return port_ > 0; }

private:
    std::string dir_;
    std::unique_ptr<Process> proc_;
    int port_ = 0;
};

class GatewayProcess {
public:
    // Writes yaml to a temp dir (with ${PORT}-free content; the listen address comes from
    // --listen) and starts `switchyard serve`. ok() tells whether /readyz answered.
    explicit GatewayProcess(const std::string& yaml);
    ~GatewayProcess();
    int port() const { return port_; }
    bool ok() const { return ready_; }
    Process& process() { return *proc_; }
    std::string log() const { return proc_ ? proc_->log() : ""; }
    const std::string& dir() const { return dir_; }

private:
    bool wait_own_ready(int timeout_ms);  // this process listens on port_ and answers /readyz

    std::string dir_;
    std::unique_ptr<Process> proc_;
    int port_ = 0;
    bool ready_ = false;
};

// redis-server on 127.0.0.1 with no persistence, in a temp dir; stopped by PID.
class RedisServer {
public:
    RedisServer();               // on a free port
    explicit RedisServer(int port, std::vector<std::string> extra_args = {});
    ~RedisServer();
    int port() const { return port_; }
    bool ok() const { return ready_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    void kill();                 // SIGKILL, as a crash
    void freeze();               // SIGSTOP: accepts connections, answers nothing
    void thaw();                 // SIGCONT
    bool start();                // (re)starts on the same port after kill()
    // Runs redis-cli with the given arguments against this server; returns its stdout.
    std::string cli(const std::string& args) const;

private:
    std::string dir_;
    std::unique_ptr<Process> proc_;
    int port_ = 0;
    bool ready_ = false;
    std::vector<std::string> extra_args_;
};

// A Redis Cluster on loopback: three primaries and three replicas (redis-server with
// cluster-enabled, node timeout 1 s), created with redis-cli --cluster create.
class RedisClusterProcess {
public:
    RedisClusterProcess();
    bool ok() const { return ready_; }
    const std::string& log() const { return log_; }  // why it did not form
    std::string seed() const { return nodes_.front()->address(); }
    RedisServer& node(size_t i) { return *nodes_.at(i); }
    size_t size() const { return nodes_.size(); }
    // Index of the node serving `slot` as primary now (-1 when none).
    int primary_for(int slot);
    // The node id (CLUSTER MYID) of node i.
    std::string id(size_t i);
    // Waits until every live node reports cluster_state:ok and `slot` has a live primary.
    bool wait_healthy(int slot, int timeout_ms);
    // Moves `slot` with its keys from node `from` to node `to` (both primaries).
    bool migrate_slot(int slot, size_t from, size_t to);

private:
    std::vector<std::unique_ptr<RedisServer>> nodes_;
    bool ready_ = false;
    std::string log_;
};

// A primary, its replica and three sentinels monitoring it as "mymaster" (down after 1 s).
class RedisSentinelGroup {
public:
    RedisSentinelGroup();
    ~RedisSentinelGroup();
    bool ok() const { return ready_; }
    const std::string& log() const { return log_; }
    RedisServer& primary() { return *primary_; }
    RedisServer& replica() { return *replica_; }
    std::vector<std::string> sentinels() const;
    // The primary's port according to the first sentinel that answers (0 when none).
    int primary_port();

private:
    std::string dir_;
    std::unique_ptr<RedisServer> primary_, replica_;
    std::vector<std::unique_ptr<Process>> sentinels_;
    std::vector<int> sentinel_ports_;
    bool ready_ = false;
    std::string log_;
};

std::string gateway_binary();
std::string plugin_dir();

}  // namespace sy::test
