// Latency of the two state-store phases of a limited request (admit: reserve budget, tokens,
// a request and a slot at the key and team levels; settle: reconcile), on the in-process
// store and on a Redis server, from 1 and 8 threads. Prints a markdown table.
//   state_bench REQUESTS_PER_THREAD [REDIS_PORT]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "state/limiter.hpp"
#include "state/memory_store.hpp"
#include "state/redis_store.hpp"

namespace {

using Clock = std::chrono::steady_clock;

sy::state::Principal principal(int thread) {
    sy::config::LimitsConfig key;
    key.budget_nano_usd = 1'000'000'000'000'000;  // never runs out
    key.rpm = 100'000'000;
    key.tpm = 1'000'000'000;
    key.max_concurrent = 100'000;
    sy::config::LimitsConfig team = key;
    sy::state::Principal p;
    p.group = "t:bench";  // every thread in one team: the contended case
    // append, not "lit" + to_string(): GCC 12 reports a false -Wrestrict on the latter
    p.levels.push_back({std::string("key:k").append(std::to_string(thread)), "key", "k", key});
    p.levels.push_back({"team:bench", "team", "bench", team});
    p.ledger_field = std::string("k").append(std::to_string(thread)).append("|model");
    return p;
}

double percentile(std::vector<double>& v, double q) {
    if (v.empty()) return 0;
    size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
    return v[i];
}

void run(const char* name, std::shared_ptr<sy::state::Store> store, int threads, int per_thread) {
    sy::state::Limiter limiter(store, {});
    std::vector<std::vector<double>> admit(threads), settle(threads);
    int failures = 0;
    auto t0 = Clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            sy::state::Principal p = principal(t);
            admit[t].reserve(per_thread);
            settle[t].reserve(per_thread);
            for (int i = 0; i < per_thread; ++i) {
                auto a0 = Clock::now();
                sy::state::Admission a = limiter.admit(p, 250'000, 600);
                auto a1 = Clock::now();
                limiter.settle(p, a, 120'000, 300);
                auto a2 = Clock::now();
                if (a.where != sy::state::Admission::Where::shared) ++failures;
                admit[t].push_back(std::chrono::duration<double, std::micro>(a1 - a0).count());
                settle[t].push_back(std::chrono::duration<double, std::micro>(a2 - a1).count());
            }
        });
    for (auto& t : ts) t.join();
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::vector<double> all_a, all_s;
    for (int t = 0; t < threads; ++t) {
        all_a.insert(all_a.end(), admit[t].begin(), admit[t].end());
        all_s.insert(all_s.end(), settle[t].begin(), settle[t].end());
    }
    double n = static_cast<double>(all_a.size());
    std::printf("| %s | %d | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %d |\n", name, threads, n / secs,
                percentile(all_a, 0.5), percentile(all_a, 0.99), percentile(all_a, 0.999), percentile(all_s, 0.5),
                percentile(all_s, 0.99), percentile(all_s, 0.999), failures);
}

}  // namespace

int main(int argc, char** argv) {
    int per_thread = argc > 1 ? std::atoi(argv[1]) : 20000;
    int redis_port = argc > 2 ? std::atoi(argv[2]) : 0;
    std::printf("| store | threads | requests/s | admit p50 µs | admit p99 µs | admit p99.9 µs | settle p50 µs | "
                "settle p99 µs | settle p99.9 µs | failed |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int threads : {1, 8}) run("memory", std::make_shared<sy::state::MemoryStore>(), threads, per_thread);
    if (redis_port > 0) {
        sy::state::RedisOptions o;
        o.port = redis_port;
        for (int threads : {1, 8}) run("redis", std::make_shared<sy::state::RedisStore>(o), threads, per_thread);
    }
    return 0;
}
