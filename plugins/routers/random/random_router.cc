#include "random_router.hpp"

#include <cstdio>
#include <random>

#include "common/plugin_config.hpp"
#include "common/ranking.hpp"

namespace sy_plugins::random {

RandomRouter::RandomRouter(const switchyard::Host&, std::string_view config_json) {
    PluginConfig cfg("random", config_json, {"weights", "seed"});
    if (const rapidjson::Value* w = cfg.find("weights")) {
        if (!w->IsObject()) cfg.fail("weights", "must be a map of model names to weights");
        for (const auto& m : w->GetObject()) {
            std::string key = "weights." + std::string(sv(m.name));
            if (!m.value.IsNumber() || !(m.value.GetDouble() > 0)) cfg.fail(key, "must be a number > 0");
            weights_.emplace(std::string(sv(m.name)), m.value.GetDouble());
        }
    }
    if (const rapidjson::Value* s = cfg.find("seed")) {
        if (!s->IsUint64()) cfg.fail("seed", "must be a non-negative integer");
        seed_ = s->GetUint64();
    }
}

double RandomRouter::weight_of(std::string_view name) const {
    auto it = weights_.find(name);
    return it == weights_.end() ? 1.0 : it->second;
}

double RandomRouter::next_unit() {
    // One generator per thread: route() runs concurrently. With a seed, each thread's sequence
    // is reproducible (tests run the router on one thread).
    thread_local std::mt19937_64 rng{std::random_device{}()};
    thread_local const RandomRouter* seeded_for = nullptr;
    if (seed_ && seeded_for != this) {
        rng.seed(*seed_);
        seeded_for = this;
    }
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

void RandomRouter::route(const switchyard::RequestView&, const std::vector<switchyard::Candidate>& candidates,
                         const sy_route_params&, switchyard::Ranking& out) {
    double total = 0;
    for (const auto& c : candidates)
        if (c.healthy()) total += weight_of(c.name());
    size_t chosen = 0;
    if (total > 0) {
        double x = next_unit() * total;
        for (size_t i = 0; i < candidates.size(); ++i) {
            if (!candidates[i].healthy()) continue;
            chosen = i;
            x -= weight_of(candidates[i].name());
            if (x < 0) break;
        }
    }
    rank_with_first(candidates, chosen, out);
    double share = total > 0 ? weight_of(candidates[chosen].name()) / total : 0;
    char reason[160];
    std::snprintf(reason, sizeof reason, "random p=%.2f -> %.*s", share,
                  static_cast<int>(candidates[chosen].name().size()), candidates[chosen].name().data());
    out.reason(reason);
}

}  // namespace sy_plugins::random
