#include "state/redis_cluster_store.hpp"

#include <chrono>
#include <mutex>

#include <switchyard/log.hpp>

namespace sy::state {
namespace {

constexpr int kMaxRedirects = 4;
constexpr int64_t kMinRefreshGapMs = 100;

int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool split_address(const std::string& address, std::string& host, int& port) {
    size_t colon = address.rfind(':');
    if (colon == std::string::npos || colon + 1 == address.size()) return false;
    host = address.substr(0, colon);
    port = std::atoi(address.c_str() + colon + 1);
    return port > 0;
}

// "MOVED 3999 127.0.0.1:6381" -> "127.0.0.1:6381".
std::string redirect_target(const std::string& error) {
    size_t sp = error.rfind(' ');
    return sp == std::string::npos ? std::string() : error.substr(sp + 1);
}

// Errors of a slot that is migrating or a cluster that is healing: the degraded mode applies
// (the scripts touch every key before writing, so nothing was half done and a retry is safe).
bool transient(const Reply& r) {
    return r.type == Reply::Type::error &&
           (r.str.starts_with("TRYAGAIN") || r.str.starts_with("CLUSTERDOWN") ||
            r.str.find("non local key") != std::string::npos);
}

std::vector<std::string> evalsha_argv(const Script& script, std::span<const std::string> keys,
                                      std::span<const std::string> args) {
    std::vector<std::string> argv{"EVALSHA", script.sha1, std::to_string(keys.size())};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

}  // namespace

RedisClusterStore::RedisClusterStore(std::vector<std::string> seeds, RedisOptions node)
    : seeds_(std::move(seeds)), node_options_(std::move(node)) {
    if (!refresh()) log::warn("state", "redis cluster: no seed answered CLUSTER SLOTS yet; retrying on use");
}

RedisStore& RedisClusterStore::node(const std::string& address) {
    {
        std::shared_lock lock(mu_);
        auto it = nodes_.find(address);
        if (it != nodes_.end()) return *it->second;
    }
    std::unique_lock lock(mu_);
    auto& slot = nodes_[address];
    if (!slot) {
        RedisOptions o = node_options_;
        split_address(address, o.host, o.port);
        slot = std::make_unique<RedisStore>(o);
    }
    return *slot;
}

std::string RedisClusterStore::primary_of(int slot) {
    std::shared_lock lock(mu_);
    uint16_t i = slots_[static_cast<size_t>(slot)];
    return i ? primaries_[i] : std::string();
}

bool RedisClusterStore::refresh() {
    std::vector<std::string> candidates;
    {
        std::shared_lock lock(mu_);
        candidates.assign(primaries_.begin() + 1, primaries_.end());
    }
    candidates.insert(candidates.end(), seeds_.begin(), seeds_.end());
    for (const std::string& asked : candidates) {
        Reply r = node(asked).command(std::vector<std::string>{"CLUSTER", "SLOTS"});
        if (!r.ok() || r.type != Reply::Type::array || r.elements.empty()) continue;
        std::array<uint16_t, kClusterSlots> slots{};
        std::vector<std::string> primaries{""};
        std::string asked_host;
        int asked_port = 0;
        split_address(asked, asked_host, asked_port);
        for (const Reply& range : r.elements) {
            if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) continue;
            std::string host(range.elements[2].str_at(0));
            if (host.empty()) host = asked_host;  // a node that does not know its own address
            std::string address = host + ":" + std::to_string(range.elements[2].int_at(1));
            uint16_t index = 0;
            for (size_t i = 1; i < primaries.size(); ++i)
                if (primaries[i] == address) index = static_cast<uint16_t>(i);
            if (!index) {
                primaries.push_back(address);
                index = static_cast<uint16_t>(primaries.size() - 1);
            }
            int64_t first = range.int_at(0), last = range.int_at(1);
            for (int64_t s = std::max<int64_t>(0, first); s <= last && s < kClusterSlots; ++s)
                slots[static_cast<size_t>(s)] = index;
        }
        std::unique_lock lock(mu_);
        slots_ = slots;
        primaries_ = std::move(primaries);
        last_refresh_ms_ = steady_ms();
        return true;
    }
    return false;
}

void RedisClusterStore::refresh_soon() {
    if (steady_ms() - last_refresh_ms_.load() >= kMinRefreshGapMs) refresh();
}

template <class Run>
Reply RedisClusterStore::routed(int slot, Run run, std::span<const std::string> asking_argv, const Script* script) {
    std::string address = primary_of(slot);
    if (address.empty()) {
        refresh_soon();
        address = primary_of(slot);
        if (address.empty()) return Reply::failed("redis cluster: no node serves slot " + std::to_string(slot));
    }
    for (int hop = 0; hop < kMaxRedirects; ++hop) {
        Reply r = run(node(address));
        if (r.type == Reply::Type::failure) {
            // The primary may have failed over to a replica: ask the cluster where the slot went.
            refresh_soon();
            std::string moved = primary_of(slot);
            if (moved.empty() || moved == address) return r;
            address = moved;
            continue;
        }
        if (r.type != Reply::Type::error) return r;
        if (r.str.starts_with("MOVED ")) {
            address = redirect_target(r.str);
            refresh_soon();
            continue;
        }
        if (r.str.starts_with("ASK ")) {  // the slot is migrating: ask the target once
            RedisStore& target = node(redirect_target(r.str));
            std::vector<std::string> argv(asking_argv.begin(), asking_argv.end());
            Reply a = target.run_asking(argv);
            if (script && a.type == Reply::Type::error && a.str.starts_with("NOSCRIPT")) {
                target.command(std::vector<std::string>{"SCRIPT", "LOAD", script->source});
                a = target.run_asking(std::move(argv));
            }
            return transient(a) ? Reply::failed("redis cluster: " + a.str) : a;
        }
        if (transient(r)) {
            refresh_soon();
            return Reply::failed("redis cluster: " + r.str);
        }
        return r;
    }
    return Reply::failed("redis cluster: too many redirects for slot " + std::to_string(slot));
}

Reply RedisClusterStore::eval(const Script& script, std::span<const std::string> keys,
                              std::span<const std::string> args) {
    if (keys.empty()) return Reply::error("ERR redis cluster: a script needs a key to be routed");
    std::vector<std::string> argv = evalsha_argv(script, keys, args);
    return routed(key_slot(keys[0]), [&](RedisStore& s) { return s.eval(script, keys, args); }, argv, &script);
}

std::vector<Reply> RedisClusterStore::eval_many(const Script& script, std::span<const ScriptCall> calls) {
    // One pipeline per primary; calls redirected meanwhile are sent again on their own.
    std::vector<Reply> out(calls.size());
    std::unordered_map<std::string, std::vector<size_t>> by_node;
    for (size_t i = 0; i < calls.size(); ++i) {
        std::string address = calls[i].keys.empty() ? std::string() : primary_of(key_slot(calls[i].keys[0]));
        by_node[address].push_back(i);
    }
    for (auto& [address, indexes] : by_node) {
        if (address.empty()) {
            for (size_t i : indexes) out[i] = eval(script, calls[i].keys, calls[i].args);
            continue;
        }
        std::vector<ScriptCall> batch;
        for (size_t i : indexes) batch.push_back(calls[i]);
        std::vector<Reply> replies = node(address).eval_many(script, batch);
        for (size_t k = 0; k < indexes.size(); ++k) {
            Reply& r = replies[k];
            bool redirected = r.type == Reply::Type::error && (r.str.starts_with("MOVED ") || r.str.starts_with("ASK "));
            bool unreachable = r.type == Reply::Type::failure && k == 0;  // nothing was sent: route afresh
            out[indexes[k]] = redirected || unreachable
                                  ? eval(script, calls[indexes[k]].keys, calls[indexes[k]].args)
                                  : std::move(r);
        }
    }
    return out;
}

Reply RedisClusterStore::command(std::span<const std::string> argv) {
    if (argv.size() >= 2)
        return routed(key_slot(argv[1]), [&](RedisStore& s) { return s.command(argv); }, argv, nullptr);
    // PING and other key-less commands: every primary must answer.
    std::vector<std::string> primaries;
    {
        std::shared_lock lock(mu_);
        primaries.assign(primaries_.begin() + 1, primaries_.end());
    }
    if (primaries.empty() && !refresh()) return Reply::failed("redis cluster: no node answers");
    if (primaries.empty()) {
        std::shared_lock lock(mu_);
        primaries.assign(primaries_.begin() + 1, primaries_.end());
    }
    Reply last = Reply::failed("redis cluster: no primaries");
    for (const auto& address : primaries) {
        last = node(address).command(argv);
        if (!last.ok()) {
            refresh_soon();
            return last;
        }
    }
    return last;
}

}  // namespace sy::state
