#include "cache/semantic_store.hpp"

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include <switchyard/metrics.hpp>

#include "core/clock.hpp"

namespace sy::cache {
namespace {

// Adds an entry and trims its bucket: expired fields (named below ARGV[5], the current time)
// and the oldest beyond the cap. KEYS[1] bucket; ARGV field, vector, ttl ms, cap, now.
const state::Script& put_script() {
    static const state::Script s("semantic_cache_put", R"(
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local names = redis.call('HKEYS', KEYS[1])
table.sort(names)
local drop = #names - tonumber(ARGV[4])
for i, name in ipairs(names) do
  if i > drop and name >= ARGV[5] then break end
  redis.call('HDEL', KEYS[1], name)
end
return #names
)");
    return s;
}

// 12 hex digits of unix ms: names compare as times until the year 10889.
std::string time_name(int64_t unix_ms) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(unix_ms));
    return buf;
}

}  // namespace

SemanticStore::SemanticStore(std::shared_ptr<state::Store> store, const std::string& key_prefix,
                             size_t max_bucket_entries)
    : store_(std::move(store)), prefix_(key_prefix + ":scache:"), max_bucket_entries_(max_bucket_entries),
      next_id_(std::random_device{}()) {}  // ids of instances sharing the store should not collide

bool SemanticStore::ok(const state::Reply& r) {
    if (r.ok()) return true;
    metrics::Gateway::get().store_errors.with({std::string(store_->kind()), "cache"}).inc();
    return false;
}

std::optional<SemanticMatch> SemanticStore::nearest(const std::string& bucket, std::span<const float> unit,
                                                    double threshold) {
    state::Reply all = store_->command(std::vector<std::string>{"HGETALL", prefix_ + bucket});
    if (!ok(all) || all.type != state::Reply::Type::array) return std::nullopt;
    const std::string now = time_name(clock::unix_ms());
    const size_t bytes = unit.size() * sizeof(float);
    std::vector<float> v(unit.size());
    const std::string* best_field = nullptr;
    double best = -2;
    for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
        const std::string& field = all.elements[i].str;
        const std::string& packed = all.elements[i + 1].str;
        if (field < now || packed.size() != bytes) continue;  // expired, or another dimension
        std::memcpy(v.data(), packed.data(), bytes);          // the reply's bytes need not be aligned
        double s = similarity(v, unit);
        if (s > best) best = s, best_field = &field;
    }
    if (!best_field || best < threshold) return std::nullopt;
    state::Reply answer = store_->command(std::vector<std::string>{"GET", prefix_ + "a:" + bucket + ":" + *best_field});
    if (!ok(answer) || answer.type != state::Reply::Type::string) return std::nullopt;
    return SemanticMatch{std::move(answer.str), best};
}

void SemanticStore::put(const std::string& bucket, std::span<const float> unit, const std::string& answer, int ttl_s) {
    const int64_t now = clock::unix_ms();
    char id[24];
    std::snprintf(id, sizeof id, "-%016llx", static_cast<unsigned long long>(next_id_.fetch_add(1)));
    const std::string field = time_name(now + static_cast<int64_t>(ttl_s) * 1000) + id;
    // The answer first: an entry a lookup finds has its answer (until both expire).
    if (!ok(store_->command(std::vector<std::string>{"SET", prefix_ + "a:" + bucket + ":" + field, answer, "EX",
                                                     std::to_string(ttl_s)})))
        return;
    std::string packed(reinterpret_cast<const char*>(unit.data()), unit.size() * sizeof(float));
    std::vector<std::string> keys{prefix_ + bucket};
    std::vector<std::string> args{field, std::move(packed), std::to_string(static_cast<int64_t>(ttl_s) * 1000),
                                  std::to_string(max_bucket_entries_), time_name(now)};
    ok(store_->eval(put_script(), keys, args));
}

}  // namespace sy::cache
