// The exact response cache: answers (OpenAI chat.completion JSON) by key, in a size-bounded
// in-memory LRU or in Redis (the state store's server, with a TTL). Identical requests that
// miss at the same time do not all go upstream: the first fills, the others wait for its answer
// (stampede protection, bounded by stampede_wait_ms): in this process through a flight per key,
// and across instances sharing Redis through a fill lock (<prefix>:cache:<key>:fill, SET NX PX)
// that the other instances' fillers poll for the answer. The semantic cache's store lives here
// too (semantic_cache.hpp), since it follows the same backend and TTL.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <switchyard/config.hpp>
#include <switchyard/state_store.hpp>

#include "cache/semantic_cache.hpp"

namespace sy::cache {

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::optional<std::string> get(const std::string& key) = 0;
    virtual void put(const std::string& key, const std::string& value, int ttl_s) = 0;
    // The lock that lets one instance of several fill `key`, held for at most `ms`. A backend
    // of one process needs none (its flights suffice); a store that fails lets the caller fill.
    enum class Lock { taken, held_elsewhere };
    virtual Lock lock_fill(const std::string& /*key*/, const std::string& /*token*/, int /*ms*/) { return Lock::taken; }
    // Releases the lock if `token` still holds it (it may have expired and been taken since).
    virtual void unlock_fill(const std::string& /*key*/, const std::string& /*token*/) {}
};

// An LRU bounded by the bytes it holds; entries also expire after their TTL.
class MemoryBackend final : public Backend {
public:
    explicit MemoryBackend(int64_t max_bytes) : max_bytes_(max_bytes) {}
    std::optional<std::string> get(const std::string& key) override;
    void put(const std::string& key, const std::string& value, int ttl_s) override;
    int64_t bytes() const;

private:
    struct Entry {
        std::string key, value;
        int64_t expires_ms;
    };
    mutable std::mutex mu_;
    std::list<Entry> lru_;  // most recently used first
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
    int64_t bytes_ = 0;
    int64_t max_bytes_;
};

// Redis through the state store: <key_prefix>:cache:<key> with SET EX.
class StoreBackend final : public Backend {
public:
    StoreBackend(std::shared_ptr<state::Store> store, std::string key_prefix)
        : store_(std::move(store)), prefix_(std::move(key_prefix) + ":cache:") {}
    std::optional<std::string> get(const std::string& key) override;
    void put(const std::string& key, const std::string& value, int ttl_s) override;
    Lock lock_fill(const std::string& key, const std::string& token, int ms) override;
    void unlock_fill(const std::string& key, const std::string& token) override;

private:
    bool ok(const state::Reply& r);  // counts a failure
    std::shared_ptr<state::Store> store_;
    std::string prefix_;
};

class ResponseCache {
public:
    ResponseCache(const config::CacheConfig& cfg, std::unique_ptr<Backend> backend,
                  std::unique_ptr<SemanticBackend> semantic = nullptr);

    // One request's part in the cache: the stored answer, or the duty (or chance) to fill it.
    class Ticket {
    public:
        Ticket() = default;
        Ticket(Ticket&&) = default;
        Ticket& operator=(Ticket&&) = default;
        ~Ticket();  // a filler that did not fill releases its waiters (they ask upstream themselves)
        std::optional<std::string> hit;
        // Stores the answer (and hands it to the waiters).
        void fill(const std::string& answer);
        // Hands the waiters an answer found elsewhere (the semantic cache) without storing it
        // under this key, so it lives no longer than its own entry.
        void share(const std::string& answer);

    private:
        friend class ResponseCache;
        struct Flight;
        ResponseCache* cache_ = nullptr;
        std::string key_;
        std::shared_ptr<Flight> flight_;  // set when this request is the one filling
        std::string lock_token_;          // set while it holds the cross-instance fill lock
    };

    // Looks `key` up; on a miss while another request fills it, waits for that answer (at most
    // stampede_wait_ms, or until the client leaves).
    Ticket lookup(const std::string& key, int client_fd);
    // A ticket that only stores (Cache-Control: no-cache: a fresh answer replaces the stored one).
    Ticket store_only(const std::string& key);
    const config::CacheConfig& config() const { return cfg_; }
    // The semantic cache's store; null when cache.semantic is off.
    SemanticBackend* semantic() { return semantic_.get(); }

private:
    // This process's filler waits while another instance fills (polling the backend); it keeps
    // the duty to fill when it gets the lock, or when the wait ends without an answer.
    void await_other_instance(Ticket& t, int client_fd);
    // Ends t's flight: stores `answer` (unless it came from the store), hands it to the waiters
    // and releases the fill lock.
    void finish(Ticket& t, const std::string* answer, bool store);

    config::CacheConfig cfg_;
    std::unique_ptr<Backend> backend_;
    std::unique_ptr<SemanticBackend> semantic_;
    std::mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<Ticket::Flight>> flights_;
};

// The cache a config asks for (cache.backend, cache.semantic) over `store` for redis; null when off.
std::unique_ptr<ResponseCache> make_response_cache(const config::Config& cfg, std::shared_ptr<state::Store> store);

}  // namespace sy::cache
