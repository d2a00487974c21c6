#include "bandit_router.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <random>

#include "common/plugin_config.hpp"
#include "common/quality_ranking.hpp"

namespace sy_plugins::bandit {
namespace {

constexpr double kScoreScale = 1000.0;  // scores are summed in thousandths
// One integer field per model holds both sums, so that a rating is one atomic HINCRBY:
// count in the high 32 bits, score thousandths in the low 32 (4.29 million full-score ratings).
constexpr int64_t kCountUnit = int64_t{1} << 32;

std::string_view prompt_text(const switchyard::RequestView& r) {
    return r.last_user_text().empty() ? r.system_text() : r.last_user_text();
}

std::mt19937_64& rng() {
    thread_local std::mt19937_64 r{std::random_device{}()};
    return r;
}

double sample_beta(double a, double b) {
    std::gamma_distribution<double> ga(a, 1.0), gb(b, 1.0);
    double x = ga(rng()), y = gb(rng());
    return x + y > 0 ? x / (x + y) : 0.5;
}

}  // namespace

BanditRouter::BanditRouter(const switchyard::Host& host, std::string_view config_json) : host_(host) {
    PluginConfig cfg("bandit", config_json, {"name", "bits", "lambda", "refresh_ms", "embedder"});
    name_ = cfg.string("name", "bandit");
    for (char c : name_)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
            cfg.fail("name", "must be letters, digits, '_' or '-' (it names the shared statistics)");
    bits_ = static_cast<size_t>(cfg.number("bits", 3, 0, 10));
    lambda_ = cfg.number("lambda", 0, 0, 1e6);
    refresh_ = std::chrono::milliseconds(static_cast<int64_t>(cfg.number("refresh_ms", 1000, 0, 3600000)));
    embedder_ = cfg.string("embedder");
    std::vector<float> probe;
    host.embed(embedder_, "", probe);  // learns the dimension; refuses an unknown embedder
    // Fixed seed: every instance must put a prompt in the same context.
    std::mt19937_64 gen(0xB4D17ull);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    planes_.assign(bits_, std::vector<float>(probe.size()));
    for (auto& p : planes_)
        for (auto& x : p) x = normal(gen);
    cache_.resize(size_t{1} << bits_);
}

size_t BanditRouter::context_of(const switchyard::RequestView& request) const {
    if (bits_ == 0) return 0;
    thread_local std::vector<float> e;
    host_.embed(embedder_, prompt_text(request), e);
    size_t ctx = 0;
    for (size_t b = 0; b < bits_; ++b) {
        double d = 0;
        for (size_t i = 0; i < e.size(); ++i)
            if (e[i] != 0.0f) d += static_cast<double>(e[i]) * planes_[b][i];
        if (d > 0) ctx |= size_t{1} << b;
    }
    return ctx;
}

std::string BanditRouter::state_key(size_t context) const { return "bandit:" + name_ + ":" + std::to_string(context); }

std::map<std::string, Arm, std::less<>> BanditRouter::arms(size_t context) {
    auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mu_);
        Cached& c = cache_[context];
        if (c.valid && now - c.read < refresh_) return c.arms;
    }
    std::map<std::string, Arm, std::less<>> fresh;
    try {
        for (const auto& [field, value] : host_.hgetall(state_key(context))) {
            int64_t packed = std::strtoll(value.c_str(), nullptr, 10);
            Arm& a = fresh[field];
            a.count = static_cast<double>(packed / kCountUnit);
            a.score = static_cast<double>(packed % kCountUnit) / kScoreScale;
        }
    } catch (const switchyard::Error& e) {
        // The store is down: keep deciding on what this instance last read.
        host_.log(SY_LOG_WARN, std::string("bandit ") + name_ + ": " + e.what());
        std::lock_guard lock(mu_);
        return cache_[context].arms;
    }
    std::lock_guard lock(mu_);
    cache_[context] = Cached{fresh, now, true};
    return fresh;
}

void BanditRouter::score(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                         std::vector<double>& quality, double& strong_win) {
    auto a = arms(context_of(request));
    quality.resize(candidates.size());
    for (size_t i = 0; i < candidates.size(); ++i) {
        auto it = a.find(candidates[i].name());
        Arm arm = it == a.end() ? Arm{} : it->second;
        quality[i] = (1 + arm.score) / (2 + arm.count);
    }
    strong_win = quality.empty() ? 0 : 0.5 + (quality.front() - quality.back()) / 2;
}

void BanditRouter::route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                         const sy_route_params&, switchyard::Ranking& out) {
    size_t ctx = context_of(request);
    auto a = arms(ctx);
    std::vector<std::pair<double, size_t>> ranked;
    for (size_t i = 0; i < candidates.size(); ++i) {
        auto it = a.find(candidates[i].name());
        Arm arm = it == a.end() ? Arm{} : it->second;
        double theta = sample_beta(1 + arm.score, 1 + std::max(0.0, arm.count - arm.score));
        double utility = theta - lambda_ * price_of(candidates[i]);
        if (!candidates[i].healthy()) utility -= 1e9;  // behind every healthy one
        ranked.emplace_back(utility, i);
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    for (const auto& [u, i] : ranked) out.add(i, u);
    const auto& best = candidates[ranked.front().second];
    auto it = a.find(best.name());
    Arm arm = it == a.end() ? Arm{} : it->second;
    char reason[200];
    std::snprintf(reason, sizeof reason, "bandit ctx=%zu n=%.0f mean=%.2f -> %.*s", ctx, arm.count,
                  (1 + arm.score) / (2 + arm.count), static_cast<int>(best.name().size()), best.name().data());
    out.reason(reason);
    out.memo("ctx=" + std::to_string(ctx));
}

void BanditRouter::feedback(std::string_view, std::string_view model, std::string_view memo, double score) {
    if (memo.substr(0, 4) != "ctx=") throw switchyard::Error("feedback without the context this router noted");
    size_t ctx = std::strtoul(std::string(memo.substr(4)).c_str(), nullptr, 10);
    if (ctx >= cache_.size()) throw switchyard::Error("feedback for context " + std::to_string(ctx) + " of another configuration");
    host_.hincrby(state_key(ctx), model, kCountUnit + std::llround(score * kScoreScale));
    // This instance sees its own feedback at once; others at their next refresh.
    std::lock_guard lock(mu_);
    Arm& arm = cache_[ctx].arms[std::string(model)];
    arm.count += 1;
    arm.score += std::round(score * kScoreScale) / kScoreScale;
}

}  // namespace sy_plugins::bandit
