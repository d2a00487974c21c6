// The in-process state store: a Keyspace behind a mutex, and the store's Lua scripts run on an
// embedded Lua 5.4 with a redis.call shim over that keyspace. The limits script, which every
// limited request runs twice, is answered by its native implementation instead (NativeLimits,
// sharded locks, no Lua). The embedded default for a single instance, and the per-instance
// fallback of the `local` degraded mode.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include <switchyard/state_store.hpp>

#include "state/keyspace.hpp"
#include "state/native_limits.hpp"

struct lua_State;

namespace sy::state {

class MemoryStore final : public Store {
public:
    // native_limits false runs limits.lua on the Lua shim too (tests keep the script honest).
    explicit MemoryStore(bool native_limits = true);
    ~MemoryStore() override;
    MemoryStore(const MemoryStore&) = delete;
    MemoryStore& operator=(const MemoryStore&) = delete;

    // Store
    Reply eval(const Script& script, std::span<const std::string> keys, std::span<const std::string> args) override;
    Reply command(std::span<const std::string> argv) override;
    std::string_view kind() const override { return "memory"; }

    // The limits script's native implementation, for callers that skip its string arguments
    // (null when this store runs limits.lua on the shim), and the clock it runs on.
    NativeLimits* native_limits() { return native_limits_ ? &limits_ : nullptr; }
    int64_t now_ms() const { return keyspace_.now_ms(); }

    // Tests: move the store's clock forward (budget periods, windows, expiries).
    void advance_clock_ms(int64_t ms);

private:
    int load(const Script& script, std::string& error);  // registry ref of the compiled chunk

    std::mutex mu_;
    Keyspace keyspace_;
    lua_State* L_ = nullptr;
    std::map<std::string, int> loaded_;  // sha1 -> registry ref
    NativeLimits limits_;
    bool native_limits_;
};

}  // namespace sy::state
