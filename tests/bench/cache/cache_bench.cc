// The semantic cache's costs on the request path, in isolation: embedding the last user turn
// with the built-in embedder, and one nearest-neighbour lookup in a bucket of N entries (1024
// dimensions), in memory and, given a port, in a local redis-server. Prints markdown tables.
//   cache_bench [REDIS_PORT]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <switchyard/embedder.hpp>

#include "cache/semantic_memory.hpp"
#include "cache/semantic_store.hpp"
#include "state/redis_store.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> v, double q) {
    size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
    return v[i];
}

std::vector<float> random_unit(std::mt19937& rng, size_t dim) {
    std::normal_distribution<float> d;
    std::vector<float> v(dim);
    for (float& x : v) x = d(rng);
    sy::cache::normalise(v);
    return v;
}

// µs per call of f, `rounds` calls: p50 and p99.
template <typename F>
std::pair<double, double> time_us(int rounds, F f) {
    std::vector<double> us;
    us.reserve(static_cast<size_t>(rounds));
    for (int i = 0; i < rounds; ++i) {
        auto t0 = Clock::now();
        f(i);
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    return {percentile(us, 0.5), percentile(us, 0.99)};
}

// Lookups in a bucket of n random entries; queries are random too, so every lookup scans all
// entries and misses (the threshold is unreachable), which is the full cost of a lookup.
void lookups(const char* name, sy::cache::SemanticBackend& b, const std::string& bucket_prefix, int rounds) {
    std::mt19937 rng(7);
    constexpr size_t kDim = 1024;
    for (int n : {1, 16, 64, 256}) {
        const std::string bucket = bucket_prefix + std::to_string(n);
        for (int i = 0; i < n; ++i) b.put(bucket, random_unit(rng, kDim), std::string(600, 'a'), 3600);
        std::vector<std::vector<float>> queries;
        for (int i = 0; i < 64; ++i) queries.push_back(random_unit(rng, kDim));
        int found = 0;
        auto [p50, p99] = time_us(rounds, [&](int i) { found += b.nearest(bucket, queries[i % 64], 0.999).has_value(); });
        std::printf("| %s | %d | %.1f | %.1f |\n", name, n, p50, p99);
        if (found) std::fprintf(stderr, "bench: unexpected hits\n");
    }
}

}  // namespace

int main(int argc, char** argv) {
    sy::embed::HashEmbedder embedder;
    std::vector<float> out(embedder.dim());
    std::string error;
    const std::string turn = "Please summarise the following meeting notes in three bullet points: the team agreed to "
                             "ship the release on Friday after the last tests pass";
    auto [e50, e99] = time_us(20000, [&](int) { embedder.embed(turn, out.data(), error); });
    std::printf("| step | p50 µs | p99 µs |\n|---|---:|---:|\n");
    std::printf("| built-in embedding of a %zu-byte turn | %.1f | %.1f |\n\n", turn.size(), e50, e99);

    std::printf("| store | entries in the bucket | p50 µs | p99 µs |\n|---|---:|---:|---:|\n");
    sy::cache::SemanticMemory memory(100000, 256);
    lookups("memory", memory, "b", 20000);
    if (argc > 1) {
        sy::state::RedisOptions o;
        o.port = std::atoi(argv[1]);
        auto store = std::make_shared<sy::state::RedisStore>(o);
        sy::cache::SemanticStore redis(store, "bench", 256);
        lookups("redis", redis, "b", 2000);
    }
    return 0;
}
