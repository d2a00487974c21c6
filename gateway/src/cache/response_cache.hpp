// The exact response cache: answers (OpenAI chat.completion JSON) by key, in a size-bounded
// in-memory LRU or in Redis (the state store's server, with a TTL). Identical requests that
// miss at the same time do not all go upstream: the first fills, the others wait for its answer
// (stampede protection, bounded by stampede_wait_ms), in this process.
#pragma once

#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <switchyard/config.hpp>
#include <switchyard/state_store.hpp>

namespace sy::cache {

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::optional<std::string> get(const std::string& key) = 0;
    virtual void put(const std::string& key, const std::string& value, int ttl_s) = 0;
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

private:
    std::shared_ptr<state::Store> store_;
    std::string prefix_;
};

class ResponseCache {
public:
    ResponseCache(const config::CacheConfig& cfg, std::unique_ptr<Backend> backend);

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

    private:
        friend class ResponseCache;
        struct Flight;
        ResponseCache* cache_ = nullptr;
        std::string key_;
        std::shared_ptr<Flight> flight_;  // set when this request is the one filling
    };

    // Looks `key` up; on a miss while another request fills it, waits for that answer (at most
    // stampede_wait_ms, or until the client leaves).
    Ticket lookup(const std::string& key, int client_fd);
    // A ticket that only stores (Cache-Control: no-cache: a fresh answer replaces the stored one).
    Ticket store_only(const std::string& key);
    const config::CacheConfig& config() const { return cfg_; }

private:
    void finish(const std::string& key, const std::shared_ptr<Ticket::Flight>& flight, const std::string* answer);

    config::CacheConfig cfg_;
    std::unique_ptr<Backend> backend_;
    std::mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<Ticket::Flight>> flights_;
};

}  // namespace sy::cache
