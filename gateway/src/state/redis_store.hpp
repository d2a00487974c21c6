// The Redis state store (hiredis, blocking calls with short timeouts): a bounded connection pool,
// scripts run with EVALSHA (loaded again on NOSCRIPT), reconnects with backoff, and a circuit
// breaker so that while Redis is down or frozen calls fail at once instead of each waiting out
// the timeout. A call never waits longer than connect_timeout_ms + command_timeout_ms.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <switchyard/state_store.hpp>

struct redisContext;

namespace sy::state {

struct RedisOptions {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string username;        // ACL user (empty: AUTH with the password only)
    std::string password;
    int db = 0;
    int pool_size = 16;
    int connect_timeout_ms = 50;
    int command_timeout_ms = 50;
    // Sentinel: when set, the primary's address is asked of these sentinels for `sentinel_master`
    // on every new connection (host/port above are then unused), and a node that is no longer
    // the primary is left for the new one.
    std::vector<std::string> sentinels;  // HOST:PORT
    std::string sentinel_master;
    std::string sentinel_password;
    int breaker_failures = 3;        // consecutive failures that open the breaker
    int breaker_cooldown_ms = 500;   // first open period; doubles on repeat up to 5 s
};

class RedisStore final : public Store {
public:
    explicit RedisStore(RedisOptions options);
    ~RedisStore() override;
    RedisStore(const RedisStore&) = delete;
    RedisStore& operator=(const RedisStore&) = delete;

    // Store
    Reply eval(const Script& script, std::span<const std::string> keys, std::span<const std::string> args) override;
    std::vector<Reply> eval_many(const Script& script, std::span<const ScriptCall> calls) override;
    Reply command(std::span<const std::string> argv) override;
    std::string_view kind() const override { return "redis"; }

    // False while the breaker is open (Redis unreachable or too slow).
    bool healthy() const;
    // Sends every command, then reads every reply (a pipeline) on one connection.
    std::vector<Reply> pipeline(const std::vector<std::vector<std::string>>& commands);
    // ASKING then argv on one connection (Redis Cluster's ASK redirect); the reply to argv.
    Reply run_asking(std::vector<std::string> argv);

private:
    Reply run(std::span<const std::string> argv);
    // Runs use(connection, broken) on a pooled connection, with the breaker's bookkeeping;
    // false (with `why`) when no connection could be had.
    template <class Use>
    bool on_connection(std::string& why, Use use);
    static void check_demoted(Reply& r, bool& broken);
    Reply run_on(redisContext* ctx, std::span<const std::string> argv, bool& broken);
    redisContext* acquire(std::string& why);
    void release(redisContext* ctx, bool broken);
    redisContext* connect(std::string& why);
    // The primary's address according to the sentinels; false with `why` when none answers.
    bool resolve_primary(std::string& host, int& port, std::string& why);
    bool breaker_allows();
    void record(bool ok);

    RedisOptions opt_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<redisContext*> idle_;
    int open_ = 0;  // connections that exist (idle or in use)

    std::atomic<int> failures_{0};
    std::atomic<int64_t> open_until_ms_{0};
    std::atomic<int> cooldown_ms_;
    std::atomic<bool> probing_{false};
};

}  // namespace sy::state
