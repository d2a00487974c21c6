// Virtual keys created through the admin API, kept in the state store so every instance knows
// them. Only the SHA-256 of a key is stored, looked up and compared; the secret itself is shown
// once, when the key is created. Lookups are cached per instance for auth.key_cache_ttl_ms, and a
// cached copy keeps answering while the store is unreachable.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <switchyard/config.hpp>
#include <switchyard/state_store.hpp>

namespace sy::state {

using KeyPtr = std::shared_ptr<const config::ApiKeyConfig>;

// SHA-256 of a secret, hex.
std::string key_hash(std::string_view secret);
// A new secret: "sk-sy-" and 40 random base62 characters.
std::string new_key_secret();

class KeyStore {
public:
    KeyStore(std::shared_ptr<Store> store, std::string key_prefix);

    enum class Found { yes, no, unavailable };
    // The record of the key whose SHA-256 is `hash` (revoked keys are found; callers refuse them).
    Found lookup(const std::string& hash, int cache_ttl_ms, KeyPtr& out);

    // Admin operations. On failure `status` is the HTTP status (404, 409, 503) and `error` says why.
    bool create(const config::ApiKeyConfig& record, std::string& secret, int& status, std::string& error);
    bool update(const config::ApiKeyConfig& record, int& status, std::string& error);
    // `hash` / `hashes` (optional) get the SHA-256 of each key found, for its fingerprint.
    KeyPtr get(const std::string& id, int& status, std::string& error, std::string* hash = nullptr);
    std::vector<KeyPtr> list(int& status, std::string& error, std::vector<std::string>* hashes = nullptr);

private:
    std::string at(std::string_view what) const { return prefix_ + what.data(); }
    Reply run(std::vector<std::string> argv);
    void remember(const std::string& hash, KeyPtr record);

    struct Cached {
        KeyPtr record;  // null: no such key
        std::chrono::steady_clock::time_point fetched;
    };
    std::shared_ptr<Store> store_;
    std::string prefix_;  // "<key_prefix>:{keys}:"
    std::mutex mu_;
    std::unordered_map<std::string, Cached> cache_;
};

}  // namespace sy::state
