// Shared by the state tests: the stores under test and principals with given limits.
#pragma once

#include <memory>
#include <string>

#include "state/limiter.hpp"
#include "state/memory_store.hpp"
#include "state/redis_store.hpp"
#include "support/servers.hpp"

namespace sy::state::testing {

inline config::LimitsConfig limits(int64_t budget_nano, int64_t rpm = -1, int64_t tpm = -1, int64_t conc = -1,
                                   std::string period = "d") {
    config::LimitsConfig l;
    l.budget_nano_usd = budget_nano;
    l.rpm = rpm;
    l.tpm = tpm;
    l.max_concurrent = conc;
    l.period = std::move(period);
    return l;
}

// A key (and optionally its team) in a group of its own, so tests never share counters.
inline Principal principal(const std::string& name, config::LimitsConfig key,
                           std::optional<config::LimitsConfig> team = std::nullopt) {
    Principal p;
    p.group = "t:" + name;
    p.levels.push_back({"key:" + name, "key", name, key});
    if (team) p.levels.push_back({"team:" + name, "team", name, *team});
    p.ledger_field = name + "|model-a";
    return p;
}

// Passes every call to another store. The Limiter answers limits on an in-process store natively
// without the script's arguments; behind this, the same store is reached through Store::eval, so
// the native limits' string path runs too.
class ForwardingStore final : public Store {
public:
    explicit ForwardingStore(std::shared_ptr<Store> inner) : inner_(std::move(inner)) {}
    Reply eval(const Script& script, std::span<const std::string> keys, std::span<const std::string> args) override {
        return inner_->eval(script, keys, args);
    }
    Reply command(std::span<const std::string> argv) override { return inner_->command(argv); }
    std::string_view kind() const override { return inner_->kind(); }

private:
    std::shared_ptr<Store> inner_;
};

inline RedisOptions redis_options(int port) {
    RedisOptions o;
    o.port = port;
    o.connect_timeout_ms = 100;
    o.command_timeout_ms = 200;
    return o;
}

}  // namespace sy::state::testing
