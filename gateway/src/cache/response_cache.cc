#include "cache/response_cache.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "cache/semantic_memory.hpp"
#include "cache/semantic_store.hpp"
#include "core/clock.hpp"
#include "core/fiber.hpp"

namespace sy::cache {
namespace {

// How often a filler polls while another instance fills: short against an upstream call.
constexpr int kPollMs = 20;
// How often a request waiting for another request of this process to fill looks again.
constexpr int kFlightNapMs = 5;

bool client_left(int client_fd) {
    char c;
    return client_fd >= 0 && ::recv(client_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

// Unique across instances and requests: a lock holder deletes only its own lock.
std::string random_token() {
    thread_local std::mt19937_64 rng(std::random_device{}());
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                  static_cast<unsigned long long>(rng()));
    return buf;
}

// Deletes KEYS[1] when it still holds ARGV[1].
const state::Script& unlock_script() {
    static const state::Script s("cache_unlock", R"(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)");
    return s;
}

}  // namespace

// ---------------------------------------------------------------- memory

std::optional<std::string> MemoryBackend::get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    if (it->second->expires_ms <= clock::steady_ms()) {
        bytes_ -= static_cast<int64_t>(it->second->key.size() + it->second->value.size());
        lru_.erase(it->second);
        index_.erase(it);
        return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->value;
}

void MemoryBackend::put(const std::string& key, const std::string& value, int ttl_s) {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
        bytes_ -= static_cast<int64_t>(it->second->key.size() + it->second->value.size());
        lru_.erase(it->second);
        index_.erase(it);
    }
    lru_.push_front({key, value, clock::steady_ms() + static_cast<int64_t>(ttl_s) * 1000});
    index_[key] = lru_.begin();
    bytes_ += static_cast<int64_t>(key.size() + value.size());
    while (bytes_ > max_bytes_ && !lru_.empty()) {  // evict the least recently used
        const Entry& old = lru_.back();
        bytes_ -= static_cast<int64_t>(old.key.size() + old.value.size());
        index_.erase(old.key);
        lru_.pop_back();
    }
}

int64_t MemoryBackend::bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
}

// ---------------------------------------------------------------- redis

bool StoreBackend::ok(const state::Reply& r) {
    if (r.ok()) return true;
    metrics::Gateway::get().store_errors.with({std::string(store_->kind()), "cache"}).inc();
    return false;
}

std::optional<std::string> StoreBackend::get(const std::string& key) {
    state::Reply r = store_->command(std::vector<std::string>{"GET", prefix_ + key});
    if (!ok(r)) return std::nullopt;  // a store that does not answer is a miss, never an error
    if (r.type != state::Reply::Type::string) return std::nullopt;
    return std::move(r.str);
}

void StoreBackend::put(const std::string& key, const std::string& value, int ttl_s) {
    ok(store_->command(std::vector<std::string>{"SET", prefix_ + key, value, "EX", std::to_string(ttl_s)}));
}

Backend::Lock StoreBackend::lock_fill(const std::string& key, const std::string& token, int ms) {
    state::Reply r = store_->command(
        std::vector<std::string>{"SET", prefix_ + key + ":fill", token, "NX", "PX", std::to_string(std::max(ms, 1))});
    if (!ok(r)) return Lock::taken;  // no store, no lock: fill rather than wait for nothing
    return r.type == state::Reply::Type::nil ? Lock::held_elsewhere : Lock::taken;
}

void StoreBackend::unlock_fill(const std::string& key, const std::string& token) {
    std::vector<std::string> keys{prefix_ + key + ":fill"}, args{token};
    ok(store_->eval(unlock_script(), keys, args));
}

// ---------------------------------------------------------------- flights

struct ResponseCache::Ticket::Flight {
    std::mutex mu;
    bool done = false;
    std::optional<std::string> answer;
};

ResponseCache::ResponseCache(const config::CacheConfig& cfg, std::unique_ptr<Backend> backend,
                             std::unique_ptr<SemanticBackend> semantic)
    : cfg_(cfg), backend_(std::move(backend)), semantic_(std::move(semantic)) {}

ResponseCache::Ticket ResponseCache::lookup(const std::string& key, int client_fd) {
    Ticket t;
    t.cache_ = this;
    t.key_ = key;
    if ((t.hit = backend_->get(key))) return t;
    std::shared_ptr<Ticket::Flight> flight;
    {
        std::lock_guard lock(mu_);
        auto [it, first] = flights_.try_emplace(key);
        if (first) {
            it->second = std::make_shared<Ticket::Flight>();
            t.flight_ = it->second;  // this request fills
        } else {
            flight = it->second;
        }
    }
    if (t.flight_) {
        await_other_instance(t, client_fd);
        return t;
    }
    // Another request is filling: wait for its answer, checking now and then that our client stays.
    const int64_t until = clock::steady_ms() + cfg_.stampede_wait_ms;
    // It naps rather than waiting on the flight's condition: on the edge's fiber a nap parks, and
    // the filler, itself a parked fiber, needs a free worker to finish.
    for (;;) {
        {
            std::lock_guard lock(flight->mu);
            if (flight->done) {
                t.hit = flight->answer;
                break;
            }
        }
        if (clock::steady_ms() >= until || client_left(client_fd)) break;
        fiber::nap(kFlightNapMs);
    }
    return t;  // no answer: ask upstream without filling (the filler's answer, if any, is stored)
}

void ResponseCache::await_other_instance(Ticket& t, int client_fd) {
    const std::string token = random_token();
    const int64_t until = clock::steady_ms() + cfg_.stampede_wait_ms;
    // Each round tries the lock again: when its holder failed (and deleted it) or it expired,
    // this instance takes over instead of waiting for an answer that will not come.
    while (backend_->lock_fill(t.key_, token, cfg_.stampede_wait_ms) == Backend::Lock::held_elsewhere) {
        if (clock::steady_ms() >= until || client_left(client_fd)) return;  // fill, without the lock
        fiber::nap(kPollMs);
        if ((t.hit = backend_->get(t.key_))) {
            finish(t, &*t.hit, false);  // this process's waiters get the other instance's answer
            return;
        }
    }
    t.lock_token_ = token;
}

ResponseCache::Ticket ResponseCache::store_only(const std::string& key) {
    Ticket t;
    t.cache_ = this;
    t.key_ = key;
    return t;
}

void ResponseCache::finish(Ticket& t, const std::string* answer, bool store) {
    const bool keep = answer && static_cast<int64_t>(answer->size()) <= cfg_.max_entry_bytes;
    if (keep && store) backend_->put(t.key_, *answer, cfg_.ttl_s);
    if (!t.lock_token_.empty()) backend_->unlock_fill(t.key_, t.lock_token_);  // after the put: pollers find it
    t.lock_token_.clear();
    {
        std::lock_guard lock(mu_);
        flights_.erase(t.key_);
    }
    std::shared_ptr<Ticket::Flight> flight = std::move(t.flight_);
    std::lock_guard lock(flight->mu);
    flight->done = true;
    if (keep) flight->answer = *answer;
}

void ResponseCache::Ticket::fill(const std::string& answer) {
    if (flight_) cache_->finish(*this, &answer, true);
    else if (cache_ && !hit && static_cast<int64_t>(answer.size()) <= cache_->cfg_.max_entry_bytes)
        cache_->backend_->put(key_, answer, cache_->cfg_.ttl_s);
}

void ResponseCache::Ticket::share(const std::string& answer) {
    if (flight_) cache_->finish(*this, &answer, false);
}

ResponseCache::Ticket::~Ticket() {
    if (flight_) cache_->finish(*this, nullptr, false);
}

std::unique_ptr<ResponseCache> make_response_cache(const config::Config& cfg, std::shared_ptr<state::Store> store) {
    const config::CacheConfig& cc = cfg.cache;
    if (cc.backend == "off") return nullptr;
    std::unique_ptr<Backend> backend;
    std::unique_ptr<SemanticBackend> semantic;
    const auto bucket_cap = static_cast<size_t>(cc.semantic.max_bucket_entries);
    if (cc.backend == "redis") {
        backend = std::make_unique<StoreBackend>(store, cfg.state.key_prefix);
        if (cc.semantic.enabled) semantic = std::make_unique<SemanticStore>(store, cfg.state.key_prefix, bucket_cap);
    } else {
        backend = std::make_unique<MemoryBackend>(cc.max_bytes);
        if (cc.semantic.enabled)
            semantic = std::make_unique<SemanticMemory>(static_cast<size_t>(cc.semantic.max_entries), bucket_cap);
    }
    return std::make_unique<ResponseCache>(cc, std::move(backend), std::move(semantic));
}

}  // namespace sy::cache
