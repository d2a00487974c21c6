// Budgets, rate limits and concurrency on top of a Store: admission reserves a request's maximum
// cost and tokens at every level (key, team, end user) in one atomic script, all or nothing;
// settlement replaces the reservation with the actual cost. When the shared store fails, the
// configured degraded mode decides (open: admit and remember the spend; closed: refuse; local:
// enforce a share of each limit in memory), and spend recorded meanwhile is replayed into the
// store once it answers again.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <switchyard/config.hpp>
#include <switchyard/state_store.hpp>

#include "state/budget_views.hpp"
#include "state/native_limits.hpp"

namespace sy::metrics {
class Histogram;
}

namespace sy::state {

class MemoryStore;

// One level of a request's limits.
struct Level {
    std::string scope;   // "key:<id>", "team:<name>", "user:<team or key>/<hash of the user>"
    std::string label;   // for messages and metrics: "key", "team" or "user"
    std::string name;    // for messages: the key id, team name, or "user of team x"
    config::LimitsConfig limits;
};

// Everything admission and settlement need about who is asking.
struct Principal {
    std::string group;                 // hash-tag group: "t:<team>" or "k:<key id>"
    std::vector<Level> levels;
    std::string ledger_field;          // spend ledger field: "<key id>|<model>"
};

struct Admission {
    enum class Result { admitted, rejected, unavailable } result = Result::admitted;
    enum class Where { none, shared, local, unenforced } where = Where::none;
    std::string reservation;   // reservation id in the store that admitted (empty: none)
    // rejected: which level and limit
    size_t level = 0;
    std::string kind;          // budget | rpm | tpm | concurrency
    int64_t limit = 0, used = 0;
    int64_t retry_after_ms = 0;  // -1: the request alone exceeds the limit
    // admitted: x-ratelimit-* of the first level with rpm / tpm limits (-1 = none)
    int64_t req_limit = -1, req_remaining = -1, req_reset_ms = 0;
    int64_t tok_limit = -1, tok_remaining = -1, tok_reset_ms = 0;
    std::string error;         // unavailable: why
};

struct LimiterOptions {
    std::string key_prefix = "sy";
    config::OnStoreFailure on_failure = config::OnStoreFailure::open;
    double local_share = 1.0;
    int reservation_ttl_ms = 660000;
    size_t max_pending = 100000;   // spend kept for replay while the store is down
    int budget_view_ttl_ms = 0;    // read() of a shared store answered from a read this recent
};

class Limiter {
public:
    Limiter(std::shared_ptr<Store> store, LimiterOptions options);
    ~Limiter();
    Limiter(const Limiter&) = delete;
    Limiter& operator=(const Limiter&) = delete;

    Admission admit(const Principal& who, int64_t cost_nano, int64_t tokens);
    // Charges the actual cost and tokens and releases what admit() reserved. Safe to call once
    // per admitted request on every path (success, error, cancel, timeout).
    void settle(const Principal& who, const Admission& admitted, int64_t cost_nano, int64_t tokens);
    // The same, off the request's thread: with Redis the settlement is queued and a background
    // thread pipelines queued settlements in batches (one round trip for many requests). With
    // the in-process store, or when 512 are already queued (Redis is saturated), it settles at once.
    void settle_later(const Principal& who, const Admission& admitted, int64_t cost_nano, int64_t tokens);
    // Records spend without a reservation (a key without limits: the spend ledger only), queued
    // like settle_later.
    void charge(const Principal& who, int64_t cost_nano, int64_t tokens);
    // Budget state per level (nullopt when the store is unreachable). From a shared store, a
    // read less than budget_view_ttl_ms old may answer instead (for policies' req.budget).
    std::optional<std::vector<BudgetState>> read(const Principal& who);
    // Outstanding reservations of a group (tests and /admin).
    int64_t outstanding(const std::string& group);
    // The spend ledger of a group for days [first, last] (days since 1970): (day, field, value).
    Reply spend(const std::string& group, int64_t first_day, int64_t last_day);

    bool degraded() const { return degraded_.load(std::memory_order_relaxed); }
    size_t pending() const;
    // Replays remembered spend into the store; false when it is still unreachable.
    bool flush_pending();

private:
    using PendingCharge = ScriptCall;
    enum class Op { admit, settle, read, spend, settle_batch, replay };
    static constexpr size_t kOps = 6;
    static const char* const kOpNames[kOps];
    class StoreCall;
    metrics::Histogram& timer(const Store& store, Op op);
    Reply timed_eval(Store& store, Op op, std::span<const std::string> keys, std::span<const std::string> args);
    NativeLimits* native(const Store& store, int64_t& now) const;
    std::optional<NativeLimits::AdmitResult> admit_call(Store& store, const Principal& who, const std::string& id,
                                                        int64_t cost_nano, int64_t tokens, double share,
                                                        Reply& failure);
    Reply settle_call(Store& store, const Principal& who, const std::string& id, int64_t cost_nano, int64_t tokens);
    std::string group_key(const std::string& group) const;
    std::vector<std::string> level_args(const Principal& who, double share) const;
    Admission admit_in(Store& store, const Principal& who, int64_t cost_nano, int64_t tokens, double share,
                       Reply& failure);
    void remember(const Principal& who, const std::string& id, int64_t cost_nano, int64_t tokens);
    std::vector<std::string> settle_args(const Principal& who, const std::string& id, int64_t cost_nano,
                                         int64_t tokens) const;
    void set_degraded(bool on, const std::string& why);
    config::OnStoreFailure degraded_mode(const Principal& who) const;
    void background();
    void send_queued();
    void park_failed(std::vector<PendingCharge>& calls, const std::vector<Reply>& replies);

    std::shared_ptr<Store> store_;
    LimiterOptions opt_;
    std::unique_ptr<MemoryStore> local_;   // `local` mode
    MemoryStore* shared_memory_ = nullptr;  // store_, when it is the in-process store
    BudgetViews budget_views_;
    std::array<std::atomic<metrics::Histogram*>, kOps> shared_timers_{}, local_timers_{};
    std::string instance_;                 // random prefix of reservation ids
    std::atomic<uint64_t> seq_{0};
    std::atomic<bool> degraded_{false};

    mutable std::mutex pending_mu_;
    std::deque<PendingCharge> pending_;     // to replay once the store answers again
    std::vector<PendingCharge> queued_;     // settlements waiting for the background thread
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread background_;
};

// The limits script (scripts/limits.lua), compiled in.
const Script& limits_script();

}  // namespace sy::state
