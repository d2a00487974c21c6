// An in-process Redis keyspace: the subset of commands the store's scripts and the key store
// use (strings, hashes, sets, sorted sets, expiry, TIME), with Redis's reply shapes. Not
// thread-safe: MemoryStore serialises access.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>

#include <switchyard/state_store.hpp>

namespace sy::state {

class Keyspace {
public:
    Reply execute(std::span<const std::string> argv);
    // Wall clock in ms (system clock plus the test offset).
    int64_t now_ms() const;
    void advance_clock_ms(int64_t ms) { offset_ms_ += ms; }

private:
    struct ZSet {
        std::map<std::string, double> scores;
        std::set<std::pair<double, std::string>> by_score;
    };
    using Value = std::variant<std::string, std::map<std::string, std::string>, std::set<std::string>, ZSet>;
    struct Entry {
        Value value;
        int64_t expires_at_ms = 0;  // 0 = no expiry
    };

    Entry* find(const std::string& key);  // null when absent or expired (and then removed)
    template <class T>
    T* get_as(const std::string& key, Reply& wrong_type);
    template <class T>
    T* get_or_create(const std::string& key, Reply& wrong_type);  // null on a wrong type
    void sweep_expired();

    Reply strings(std::string_view cmd, std::span<const std::string> a);
    Reply hashes(std::string_view cmd, std::span<const std::string> a);
    Reply sets(std::string_view cmd, std::span<const std::string> a);
    Reply zsets(std::string_view cmd, std::span<const std::string> a);
    Reply keys(std::string_view cmd, std::span<const std::string> a);

    std::unordered_map<std::string, Entry> data_;
    std::atomic<int64_t> offset_ms_{0};  // read without the store's lock by the native limits
    int64_t next_sweep_ms_ = 0;
};

}  // namespace sy::state
