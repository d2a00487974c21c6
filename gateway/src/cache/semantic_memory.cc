#include "cache/semantic_memory.hpp"

#include "core/clock.hpp"

namespace sy::cache {

std::optional<SemanticMatch> SemanticMemory::nearest(const std::string& bucket, std::span<const float> unit,
                                                     double threshold) {
    std::shared_ptr<const std::string> answer;
    double best = -2;
    {
        std::lock_guard lock(mu_);
        auto it = buckets_.find(bucket);
        if (it == buckets_.end()) return std::nullopt;
        Bucket& entries = it->second;
        const int64_t now = clock::steady_ms();
        for (size_t i = entries.size(); i-- > 0;)
            if (entries[i].expires_ms <= now) erase(entries, i);
        Entry* found = nullptr;
        for (Entry& e : entries) {
            double s = similarity(e.unit, unit);
            if (s > best) best = s, found = &e;
        }
        if (found && best >= threshold) {
            recency_.splice(recency_.begin(), recency_, found->use);
            answer = found->answer;
        }
        if (entries.empty()) buckets_.erase(it);
    }
    if (!answer) return std::nullopt;
    return SemanticMatch{*answer, best};
}

void SemanticMemory::put(const std::string& bucket, std::span<const float> unit, const std::string& answer, int ttl_s) {
    auto shared = std::make_shared<const std::string>(answer);
    std::lock_guard lock(mu_);
    Bucket& entries = buckets_[bucket];
    if (entries.size() >= max_bucket_entries_) erase(entries, 0);  // the oldest of the bucket
    recency_.push_front({bucket, next_id_});
    entries.push_back({next_id_++, std::vector<float>(unit.begin(), unit.end()), std::move(shared),
                       clock::steady_ms() + static_cast<int64_t>(ttl_s) * 1000, recency_.begin()});
    ++size_;
    while (size_ > max_entries_) evict_least_recently_used();
}

size_t SemanticMemory::size() const {
    std::lock_guard lock(mu_);
    return size_;
}

void SemanticMemory::erase(Bucket& entries, size_t i) {
    recency_.erase(entries[i].use);
    entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(i));
    --size_;
}

void SemanticMemory::evict_least_recently_used() {
    const Use& last = recency_.back();
    auto it = buckets_.find(last.bucket);
    Bucket& entries = it->second;
    const uint64_t id = last.id;
    for (size_t i = 0; i < entries.size(); ++i)
        if (entries[i].id == id) {
            erase(entries, i);
            break;
        }
    if (entries.empty()) buckets_.erase(it);
}

}  // namespace sy::cache
