// Redis Cluster as the state store: the slot map comes from CLUSTER SLOTS (asked of any known
// node), each call goes to the primary serving the slot of its first key (every key of one
// script shares a hash tag, so one slot), MOVED redirects update the map and are followed, ASK
// redirects are followed once with ASKING, and an unreachable primary triggers a refresh of the
// map (a replica promoted by a failover takes over). Each node is a RedisStore with its own
// connection pool and circuit breaker.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "state/cluster_slots.hpp"
#include "state/redis_store.hpp"

namespace sy::state {

class RedisClusterStore final : public Store {
public:
    // `seeds`: HOST:PORT of some nodes; `node`: connection settings shared by every node.
    RedisClusterStore(std::vector<std::string> seeds, RedisOptions node);

    // Store
    Reply eval(const Script& script, std::span<const std::string> keys, std::span<const std::string> args) override;
    std::vector<Reply> eval_many(const Script& script, std::span<const ScriptCall> calls) override;
    Reply command(std::span<const std::string> argv) override;  // argv[1] is the key; PING asks every primary
    std::string_view kind() const override { return "redis"; }

    // Asks the nodes for the slot map; false when none answered.
    bool refresh();

private:
    RedisStore& node(const std::string& address);
    std::string primary_of(int slot);  // empty when unknown
    // Runs `run(store)` on the slot's primary, following MOVED/ASK and refreshing on failure.
    template <class Run>
    Reply routed(int slot, Run run, std::span<const std::string> asking_argv, const Script* script);
    void refresh_soon();

    std::vector<std::string> seeds_;
    RedisOptions node_options_;
    std::shared_mutex mu_;
    std::unordered_map<std::string, std::unique_ptr<RedisStore>> nodes_;
    std::array<uint16_t, kClusterSlots> slots_{};   // index into primaries_, 0 = unknown
    std::vector<std::string> primaries_{""};        // [0] unused
    std::atomic<int64_t> last_refresh_ms_{0};
};

}  // namespace sy::state
