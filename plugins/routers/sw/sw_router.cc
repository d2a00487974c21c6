#include "sw_router.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/model_map.hpp"
#include "common/plugin_config.hpp"
#include "common/quality_ranking.hpp"

namespace sy_plugins::sw {
namespace {

constexpr size_t kProjectedDim = 128;

std::string_view prompt_text(const switchyard::RequestView& r) {
    return r.last_user_text().empty() ? r.system_text() : r.last_user_text();
}

// Eight independent partial sums, so that the compiler can keep them in SIMD lanes (a single
// float accumulator forbids reordering the additions).
float dot(const float* a, const float* b, size_t n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (size_t l = 0; l < 8; ++l) acc[l] += a[j + l] * b[j + l];
    float s = 0;
    for (; j < n; ++j) s += a[j] * b[j];
    for (float x : acc) s += x;
    return s;
}

}  // namespace

std::vector<double> bradley_terry(const std::vector<std::vector<double>>& wins, int iterations) {
    const size_t n = wins.size();
    std::vector<double> p(n, 1.0), next(n);
    for (int it = 0; it < iterations; ++it) {
        for (size_t a = 0; a < n; ++a) {
            double won = 0, denom = 0;
            for (size_t b = 0; b < n; ++b) {
                if (a == b) continue;
                won += wins[a][b];
                denom += (wins[a][b] + wins[b][a]) / (p[a] + p[b]);
            }
            next[a] = denom > 0 ? std::max(won / denom, 1e-9) : p[a];
        }
        double sum = 0;
        for (double x : next) sum += x;
        for (size_t a = 0; a < n; ++a) p[a] = next[a] * static_cast<double>(n) / sum;
    }
    return p;
}

SwRouter::SwRouter(const switchyard::Host& host, std::string_view config_json) : host_(host) {
    PluginConfig cfg("sw", config_json, {"weights", "embedder", "models", "k", "beta", "prior", "lambda"});
    std::string weights = cfg.string("weights");
    if (weights.empty()) cfg.fail("weights", "is required (a file written by `switchyard train sw`)");
    embedder_ = cfg.string("embedder");
    k_ = static_cast<size_t>(cfg.number("k", 500, 1, 100000));
    beta_ = cfg.number("beta", 10, 0, 1000);
    prior_ = cfg.number("prior", 1, 0, 1e6);
    lambda_ = cfg.number("lambda", 0, 0, 1e6);
    std::string trained_with;
    index_ = decode_index(host.read_file(weights), weights, trained_with);
    require_embedder(cfg, host, embedder_, trained_with, weights);
    names_ = ModelMap(cfg, index_.models);
    const size_t models = index_.models.size();
    prior_quality_.assign(models, 0.5);
    for (size_t m = 0; m < models; ++m) {
        double sum = 0, count = 0;
        for (size_t i = 0; i < index_.examples(); ++i) {
            float s = index_.scores[i * models + m];
            if (!std::isnan(s)) sum += s, count += 1;
        }
        if (count > 0) prior_quality_[m] = sum / count;
    }
}

void SwRouter::score(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                     std::vector<double>& quality, double& strong_win) {
    const size_t n = candidates.size(), models = index_.models.size();
    std::vector<size_t> cols(n);
    for (size_t c = 0; c < n; ++c) cols[c] = names_.at(candidates[c].name());
    thread_local std::vector<float> e, q;
    thread_local std::vector<std::pair<float, size_t>> sims;
    host_.embed(embedder_, prompt_text(request), e);
    if (e.size() != index_.input_dim)
        throw switchyard::Error("embedder returned " + std::to_string(e.size()) + " dimensions, weights expect " +
                                std::to_string(index_.input_dim));
    q.resize(index_.dim);
    index_.project(e.data(), q.data());
    const size_t count = index_.examples();
    sims.resize(count);
    for (size_t i = 0; i < count; ++i) sims[i] = {dot(&index_.points[i * index_.dim], q.data(), index_.dim), i};
    const size_t k = std::min(k_, count);
    std::nth_element(sims.begin(), sims.begin() + static_cast<std::ptrdiff_t>(k - 1), sims.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    float best = -2;
    for (size_t i = 0; i < k; ++i) best = std::max(best, sims[i].first);
    // Weighted outcomes of the neighbours, starting from the whole-data prior.
    std::vector<double> sum(n), weight(n);
    std::vector<std::vector<double>> wins(n, std::vector<double>(n, 0.0));
    for (size_t c = 0; c < n; ++c) sum[c] = prior_ * prior_quality_[cols[c]], weight[c] = prior_;
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b)
            if (a != b) wins[a][b] = prior_ * (0.5 + (prior_quality_[cols[a]] - prior_quality_[cols[b]]) / 2);
    for (size_t i = 0; i < k; ++i) {
        const double w = std::exp(beta_ * (sims[i].first - best));
        const float* s = &index_.scores[sims[i].second * models];
        for (size_t a = 0; a < n; ++a) {
            float sa = s[cols[a]];
            if (std::isnan(sa)) continue;
            sum[a] += w * sa, weight[a] += w;
            for (size_t b = 0; b < n; ++b) {
                float sb = s[cols[b]];
                if (a != b && !std::isnan(sb)) wins[a][b] += w * (0.5 + (sa - sb) / 2.0);
            }
        }
    }
    quality.resize(n);
    for (size_t c = 0; c < n; ++c) quality[c] = weight[c] > 0 ? sum[c] / weight[c] : 0.5;
    if (n < 2) {
        strong_win = 0.5;
        return;
    }
    if (n == 2) {
        strong_win = wins[0][1] + wins[1][0] > 0 ? wins[0][1] / (wins[0][1] + wins[1][0]) : 0.5;
        return;
    }
    std::vector<double> p = bradley_terry(wins);
    strong_win = p.front() / (p.front() + p.back());
}

void SwRouter::train(const switchyard::Host&, const sy_train_set& set) {
    PluginConfig cfg("sw train", switchyard::view(set.options_json), {"dim"});
    SwIndex x;
    x.input_dim = set.dim;
    x.dim = static_cast<size_t>(cfg.number("dim", kProjectedDim, 8, 4096));
    x.seed = set.seed;
    for (size_t m = 0; m < set.n_models; ++m) x.models.emplace_back(switchyard::view(set.models[m]));
    if (x.models.size() < 2) throw switchyard::Error("sw needs scores for at least two models");
    x.make_projection();
    // Training and validation prompts both go into the index: sw has nothing to fit.
    std::vector<float> point(x.dim);
    for (const auto* part : {&set.train, &set.validation}) {
        const size_t count = part == &set.train ? set.n_train : set.n_validation;
        for (size_t i = 0; i < count; ++i) {
            const sy_train_example& ex = (*part)[i];
            x.project(ex.embedding, point.data());
            x.points.insert(x.points.end(), point.begin(), point.end());
            for (size_t m = 0; m < set.n_models; ++m) x.scores.push_back(static_cast<float>(ex.scores[m]));
        }
    }
    char line[160];
    std::snprintf(line, sizeof line, "indexed %zu prompts, %zu models, projected to %zu dimensions\n", x.examples(),
                  x.models.size(), x.dim);
    switchyard::write(set.report, line);
    switchyard::write(set.weights, encode_index(x, switchyard::view(set.embedder_id)));
}

}  // namespace sy_plugins::sw
