// The semantic cache in process memory: buckets of entries, at most max_bucket_entries each (the
// oldest goes), max_entries in all (the least recently used goes), each alive for its TTL.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "cache/semantic_cache.hpp"

namespace sy::cache {

class SemanticMemory final : public SemanticBackend {
public:
    SemanticMemory(size_t max_entries, size_t max_bucket_entries)
        : max_entries_(max_entries), max_bucket_entries_(max_bucket_entries) {}
    std::optional<SemanticMatch> nearest(const std::string& bucket, std::span<const float> unit,
                                         double threshold) override;
    void put(const std::string& bucket, std::span<const float> unit, const std::string& answer, int ttl_s) override;
    size_t size() const;

private:
    struct Use {  // a place in the recency list
        std::string bucket;
        uint64_t id;
    };
    struct Entry {
        uint64_t id;
        std::vector<float> unit;
        std::shared_ptr<const std::string> answer;  // shared so a hit copies it outside the lock
        int64_t expires_ms;
        std::list<Use>::iterator use;
    };
    using Bucket = std::vector<Entry>;  // oldest first

    void erase(Bucket& bucket, size_t i);  // an entry, with its place in the recency list
    void evict_least_recently_used();

    mutable std::mutex mu_;
    std::unordered_map<std::string, Bucket> buckets_;
    std::list<Use> recency_;  // most recently used first
    size_t size_ = 0;
    uint64_t next_id_ = 0;
    size_t max_entries_, max_bucket_entries_;
};

}  // namespace sy::cache
