// The semantic cache in the state store's Redis, shared by every instance:
//   <prefix>:scache:<bucket>          hash: field <expiry ms, 12 hex digits>-<id> -> the unit
//                                     embedding as raw float32 (host byte order); the whole
//                                     hash expires ttl_s after its last insert
//   <prefix>:scache:a:<bucket>:<field> the answer, SET ... EX ttl_s
// Field names sort by expiry, so an insert drops expired fields and, beyond max_bucket_entries,
// the oldest ones, without reading the vectors. A store that does not answer is a miss, counted
// in switchyard_state_store_errors_total{op="cache"}.
#pragma once

#include <atomic>
#include <memory>

#include <switchyard/state_store.hpp>

#include "cache/semantic_cache.hpp"

namespace sy::cache {

class SemanticStore final : public SemanticBackend {
public:
    SemanticStore(std::shared_ptr<state::Store> store, const std::string& key_prefix, size_t max_bucket_entries);
    std::optional<SemanticMatch> nearest(const std::string& bucket, std::span<const float> unit,
                                         double threshold) override;
    void put(const std::string& bucket, std::span<const float> unit, const std::string& answer, int ttl_s) override;

private:
    bool ok(const state::Reply& r);  // counts a failure

    std::shared_ptr<state::Store> store_;
    std::string prefix_;
    size_t max_bucket_entries_;
    std::atomic<uint64_t> next_id_;
};

}  // namespace sy::cache
