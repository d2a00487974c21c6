#include "cache/response_cache.hpp"

#include <sys/socket.h>

#include <chrono>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "core/clock.hpp"

namespace sy::cache {
namespace {

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

std::optional<std::string> StoreBackend::get(const std::string& key) {
    state::Reply r = store_->command(std::vector<std::string>{"GET", prefix_ + key});
    if (!r.ok()) {
        metrics::Gateway::get().store_errors.with({std::string(store_->kind()), "cache"}).inc();
        return std::nullopt;  // a store that does not answer is a miss, never an error
    }
    if (r.type != state::Reply::Type::string) return std::nullopt;
    return std::move(r.str);
}

void StoreBackend::put(const std::string& key, const std::string& value, int ttl_s) {
    state::Reply r = store_->command(std::vector<std::string>{"SET", prefix_ + key, value, "EX", std::to_string(ttl_s)});
    if (!r.ok()) metrics::Gateway::get().store_errors.with({std::string(store_->kind()), "cache"}).inc();
}

// ---------------------------------------------------------------- flights

struct ResponseCache::Ticket::Flight {
    std::mutex mu;
    std::condition_variable done_cv;
    bool done = false;
    std::optional<std::string> answer;
};

ResponseCache::ResponseCache(const config::CacheConfig& cfg, std::unique_ptr<Backend> backend)
    : cfg_(cfg), backend_(std::move(backend)) {}

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
            return t;
        }
        flight = it->second;
    }
    // Another request is filling: wait for its answer, checking now and then that our client stays.
    const int64_t until = clock::steady_ms() + cfg_.stampede_wait_ms;
    std::unique_lock lock(flight->mu);
    while (!flight->done && clock::steady_ms() < until) {
        flight->done_cv.wait_for(lock, std::chrono::milliseconds(50));
        if (client_fd >= 0) {
            char c;
            if (::recv(client_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) break;  // the client closed
        }
    }
    if (flight->done) t.hit = flight->answer;
    return t;  // no answer: ask upstream without filling (the filler's answer, if any, is stored)
}

ResponseCache::Ticket ResponseCache::store_only(const std::string& key) {
    Ticket t;
    t.cache_ = this;
    t.key_ = key;
    return t;
}

void ResponseCache::finish(const std::string& key, const std::shared_ptr<Ticket::Flight>& flight,
                           const std::string* answer) {
    if (answer && static_cast<int64_t>(answer->size()) <= cfg_.max_entry_bytes) backend_->put(key, *answer, cfg_.ttl_s);
    {
        std::lock_guard lock(mu_);
        flights_.erase(key);
    }
    std::lock_guard lock(flight->mu);
    flight->done = true;
    if (answer && static_cast<int64_t>(answer->size()) <= cfg_.max_entry_bytes) flight->answer = *answer;
    flight->done_cv.notify_all();
}

void ResponseCache::Ticket::fill(const std::string& answer) {
    if (flight_) {
        cache_->finish(key_, flight_, &answer);
        flight_.reset();
    } else if (cache_ && !hit && static_cast<int64_t>(answer.size()) <= cache_->cfg_.max_entry_bytes) {
        cache_->backend_->put(key_, answer, cache_->cfg_.ttl_s);
    }
}

ResponseCache::Ticket::~Ticket() {
    if (flight_) cache_->finish(key_, flight_, nullptr);
}

}  // namespace sy::cache
