#include "server/feedback_ledger.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "core/clock.hpp"
#include "core/every.hpp"

namespace sy::server {
namespace {

metrics::Series& dropped(const char* reason) {
    static metrics::Family& f = metrics::Registry::instance().counter(
        "switchyard_feedback_records_dropped_total",
        "Routed requests that can no longer take feedback before their TTL, by reason: evicted (the in-process "
        "table was full), queue_full (the write queue to the store was full), store_error (the write failed)",
        {"reason"});
    return f.with({reason});
}

// --- in process ---

// Shards keep workers from contending for one lock. Each keeps its records in a map and their
// arrival order in a queue; the queue may hold stale entries (taken or overwritten records),
// skipped when they reach its front, and is bounded too.
class MemoryLedger final : public FeedbackLedger {
public:
    explicit MemoryLedger(size_t max_records)
        : per_shard_(std::max<size_t>(1, max_records / kShards)), evicted_(dropped("evicted")) {}

    uint64_t keep(const std::string& request_id, std::string record, int64_t ttl_ms) override {
        Shard& s = shard(request_id);
        const int64_t now = clock::steady_ms();
        std::lock_guard lock(s.mu);
        const uint64_t seq = ++s.seq;
        s.records.insert_or_assign(request_id, Entry{std::move(record), now + ttl_ms, seq});
        s.order.push_back({request_id, seq, now + ttl_ms});
        trim(s, now);
        return 0;  // kept already
    }

    LedgerTake take(const std::string& request_id) override {
        Shard& s = shard(request_id);
        std::lock_guard lock(s.mu);
        auto it = s.records.find(request_id);
        if (it == s.records.end()) return {};
        LedgerTake out;
        if (it->second.expires_ms > clock::steady_ms()) out = {LedgerTake::Status::found, std::move(it->second.record)};
        s.records.erase(it);
        return out;
    }

private:
    static constexpr size_t kShards = 16;
    struct Entry {
        std::string record;
        int64_t expires_ms;
        uint64_t seq;
    };
    struct Shard {
        std::mutex mu;
        std::unordered_map<std::string, Entry> records;
        struct Arrival {
            std::string id;
            uint64_t seq;
            int64_t expires_ms;
        };
        std::deque<Arrival> order;  // oldest first
        uint64_t seq = 0;
    };

    Shard& shard(const std::string& id) { return shards_[std::hash<std::string>{}(id) % kShards]; }

    // Drops from the front while it is over the bounds or expired (looking a record up only
    // then, not on every keep); entries of taken or replaced records go when they reach it.
    void trim(Shard& s, int64_t now) {
        while (!s.order.empty()) {
            const Shard::Arrival& a = s.order.front();
            const bool over = s.records.size() > per_shard_ || s.order.size() > 2 * per_shard_;
            if (!over && a.expires_ms > now) break;
            auto it = s.records.find(a.id);
            if (it != s.records.end() && it->second.seq == a.seq) {
                if (it->second.expires_ms > now) evicted_.inc();
                s.records.erase(it);
            }
            s.order.pop_front();
        }
    }

    size_t per_shard_;
    // Once a full table evicts, every keep does: the series is looked up once, not under its
    // family's lock (which every worker shares) per request.
    metrics::Series& evicted_;
    Shard shards_[kShards];
};

// --- in the shared store ---

const state::Script& keep_script() {
    static const state::Script s("feedback_keep", "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\nreturn 1\n");
    return s;
}

// Take-once: the record is deleted as it is read, so one request's feedback counts once even
// when two instances receive it at the same time.
const state::Script& take_script() {
    static const state::Script s("feedback_take",
                                 "local v = redis.call('GET', KEYS[1])\n"
                                 "if v then redis.call('DEL', KEYS[1]) end\n"
                                 "return v\n");
    return s;
}

class StoreLedger final : public FeedbackLedger {
public:
    StoreLedger(std::shared_ptr<state::Store> store, std::string key_prefix, size_t max_queued)
        : store_(std::move(store)), prefix_(std::move(key_prefix) + ":fb:"), max_queued_(max_queued) {
        dropped("queue_full");
        dropped("store_error");
        writer_ = std::thread([this] { write_loop(); });
    }

    ~StoreLedger() override {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        writer_.join();  // writes what is queued first
    }

    uint64_t keep(const std::string& request_id, std::string record, int64_t ttl_ms) override {
        uint64_t ticket;
        {
            std::lock_guard lock(mu_);
            if (queue_.size() >= max_queued_) {
                dropped("queue_full").inc();
                return 0;
            }
            ticket = ++queued_;
            queue_.push_back({prefix_ + request_id, std::move(record), ttl_ms, ticket, false});
        }
        cv_.notify_one();
        return ticket;
    }

    void await(uint64_t ticket) override {
        if (ticket == 0 || written_.load(std::memory_order_acquire) >= ticket) return;  // the common case
        std::unique_lock lock(mu_);
        written_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return written_.load() >= ticket; });
    }

    LedgerTake take(const std::string& request_id) override {
        std::string key = prefix_ + request_id;
        {
            // Not written yet (feedback sent right after the answer, to this instance).
            std::lock_guard lock(mu_);
            for (Pending& p : queue_)
                if (!p.taken && p.key == key) {
                    p.taken = true;  // the writer skips it (and still counts its ticket written)
                    return {LedgerTake::Status::found, std::move(p.record)};
                }
        }
        state::Reply r = store_->eval(take_script(), std::span<const std::string>(&key, 1), {});
        if (!r.ok()) return {LedgerTake::Status::failed, r.str};
        if (r.type != state::Reply::Type::string) return {};
        return {LedgerTake::Status::found, std::move(r.str)};
    }

private:
    struct Pending {
        std::string key, record;
        int64_t ttl_ms;
        uint64_t ticket;
        bool taken;
    };
    static constexpr size_t kBatch = 256;

    void write_loop() {
        std::vector<state::ScriptCall> calls;
        for (;;) {
            uint64_t last = 0;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
                if (queue_.empty()) return;  // stopping, all written
                calls.clear();
                while (!queue_.empty() && calls.size() < kBatch) {
                    Pending& p = queue_.front();
                    if (!p.taken)
                        calls.push_back({{std::move(p.key)}, {std::move(p.record), std::to_string(p.ttl_ms)}});
                    last = p.ticket;
                    queue_.pop_front();
                }
            }
            if (!calls.empty()) write(calls);
            {
                std::lock_guard lock(mu_);
                written_.store(last, std::memory_order_release);
            }
            written_cv_.notify_all();
        }
    }

    void write(const std::vector<state::ScriptCall>& calls) {
        std::vector<state::Reply> replies = store_->eval_many(keep_script(), calls);
        size_t failed = 0;
        std::string why;
        for (const state::Reply& r : replies)
            if (!r.ok()) {
                ++failed;
                why = r.str;
            }
        if (failed == 0) return;
        dropped("store_error").inc(static_cast<double>(failed));
        metrics::Gateway::get().store_errors.with({std::string(store_->kind()), "feedback"}).inc(static_cast<double>(failed));
        if (refusal_log_.due()) {
            log::warn("feedback", std::to_string(failed) + " routed requests cannot take feedback: the state store " +
                                      "refused their records (" + why + ")");
        }
    }

    std::shared_ptr<state::Store> store_;
    std::string prefix_;
    size_t max_queued_;
    std::mutex mu_;
    std::condition_variable cv_;          // the writer waits for records
    std::condition_variable written_cv_;  // answers wait for their record
    std::deque<Pending> queue_;
    uint64_t queued_ = 0;                 // the last ticket given
    std::atomic<uint64_t> written_{0};    // every ticket up to this one is written (or failed)
    bool stopping_ = false;
    Every refusal_log_{10000};
    std::thread writer_;  // last: starts once the rest is built
};

}  // namespace

std::unique_ptr<FeedbackLedger> memory_ledger(size_t max_records) {
    return std::make_unique<MemoryLedger>(max_records);
}

std::unique_ptr<FeedbackLedger> store_ledger(std::shared_ptr<state::Store> store, std::string key_prefix,
                                             size_t max_queued) {
    return std::make_unique<StoreLedger>(std::move(store), std::move(key_prefix), max_queued);
}

}  // namespace sy::server
