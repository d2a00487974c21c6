#include "mf_router.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "common/plugin_config.hpp"
#include "mf_train.hpp"
#include "mf_weights.hpp"

namespace sy_plugins::mf {
namespace {

// The text a decision is made on: the last user message, else the system prompt.
std::string_view prompt_text(const switchyard::RequestView& r) {
    return r.last_user_text().empty() ? r.system_text() : r.last_user_text();
}

double price_of(const switchyard::Candidate& c) { return (c.input_price_per_mtok() + c.output_price_per_mtok()) / 2; }

// Expected outcome of strong (first) against weak (last): 0.5 + (q_strong - q_weak) / 2, the
// expectation of the pairwise target the model was trained on.
double strong_win_of(const std::vector<double>& s) {
    return s.empty() ? 0.0 : 0.5 + (sigmoid(s.front()) - sigmoid(s.back())) / 2;
}

std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

MfRouter::MfRouter(const switchyard::Host& host, std::string_view config_json) : host_(host) {
    PluginConfig cfg("mf", config_json, {"weights", "embedder", "models", "lambda"});
    std::string weights = cfg.string("weights");
    if (weights.empty()) cfg.fail("weights", "is required (a file written by `switchyard train mf`)");
    embedder_ = cfg.string("embedder");
    lambda_ = cfg.number("lambda", 0.0, 0.0, 1e6);
    std::string trained_with;
    model_ = decode_model(host.read_file(weights), weights, trained_with);
    std::string have = host.embedder_id(embedder_);
    if (have != trained_with)
        cfg.fail("embedder", "weights " + weights + " were trained with embedder " + trained_with +
                                 ", but the configured embedder is " + have);
    for (size_t i = 0; i < model_.models.size(); ++i) index_.emplace(model_.models[i], i);
    if (const rapidjson::Value* map = cfg.find("models")) {
        if (!map->IsObject()) cfg.fail("models", "must map candidate names to trained model names");
        for (const auto& m : map->GetObject()) {
            std::string key = std::string("models.").append(sv(m.name));
            if (!m.value.IsString()) cfg.fail(key, "must be a trained model name");
            auto it = index_.find(sv(m.value));
            if (it == index_.end())
                cfg.fail(key, std::string(1, '\'').append(sv(m.value)).append("' is not in the weights (trained: ")
                                  .append(join(model_.models)).append(")"));
            index_.insert_or_assign(std::string(sv(m.name)), it->second);
        }
    }
}

size_t MfRouter::model_index(std::string_view candidate) const {
    auto it = index_.find(candidate);
    if (it == index_.end())
        throw switchyard::Error("candidate '" + std::string(candidate) + "' is not a model these weights know (trained: " +
                                join(model_.models) + "); map it with config.models");
    return it->second;
}

void MfRouter::candidate_scores(const switchyard::RequestView& request,
                                const std::vector<switchyard::Candidate>& candidates,
                                std::vector<double>& scores) const {
    thread_local std::vector<float> embedding;
    thread_local std::vector<float> u;
    host_.embed(embedder_, prompt_text(request), embedding);
    if (embedding.size() != model_.dim)
        throw switchyard::Error("embedder returned " + std::to_string(embedding.size()) + " dimensions, weights expect " +
                                std::to_string(model_.dim));
    u.resize(model_.k);
    model_.project(embedding.data(), u.data());
    scores.resize(candidates.size());
    for (size_t i = 0; i < candidates.size(); ++i) scores[i] = model_.score(model_index(candidates[i].name()), u.data());
}

void MfRouter::score(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                     std::vector<double>& quality, double& strong_win) {
    std::vector<double> s;
    candidate_scores(request, candidates, s);
    quality.resize(s.size());
    for (size_t i = 0; i < s.size(); ++i) quality[i] = sigmoid(s[i]);
    strong_win = strong_win_of(s);
}

void MfRouter::route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                     const sy_route_params& params, switchyard::Ranking& out) {
    thread_local std::vector<double> s;
    candidate_scores(request, candidates, s);
    const size_t n = candidates.size();
    // Fallback order: healthy before unhealthy, then by expected quality minus lambda * price.
    std::vector<double> utility(n);
    for (size_t i = 0; i < n; ++i) utility[i] = sigmoid(s[i]) - lambda_ * price_of(candidates[i]);
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    char reason[200];
    if (!std::isnan(params.threshold) && n >= 2) {
        double win = strong_win_of(s);
        size_t chosen = win >= params.threshold ? 0 : n - 1;
        utility[chosen] = INFINITY;
        std::snprintf(reason, sizeof reason, "score=%.4g%s%.4g -> %.*s", win, win >= params.threshold ? ">=" : "<",
                      params.threshold, static_cast<int>(candidates[chosen].name().size()),
                      candidates[chosen].name().data());
    } else {
        std::snprintf(reason, sizeof reason, "lambda=%.4g", lambda_);
    }
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (candidates[a].healthy() != candidates[b].healthy()) return candidates[a].healthy();
        return utility[a] > utility[b];
    });
    for (size_t i : order) out.add(i, std::isinf(utility[i]) ? 1.0 : utility[i]);
    std::string text = reason;
    if (std::isnan(params.threshold) || n < 2) {
        const auto& best = candidates[order.front()];
        char tail[120];
        std::snprintf(tail, sizeof tail, " q=%.3f -> %.*s", sigmoid(s[order.front()]), static_cast<int>(best.name().size()),
                      best.name().data());
        text += tail;
    }
    out.reason(std::move(text));
}

void MfRouter::train(const switchyard::Host&, const sy_train_set& set) {
    TrainOptions options = parse_train_options(set);
    TrainingSummary summary;
    MfModel model = train_model(set, options, summary, [&](const std::string& line) {
        switchyard::write(set.report, line + "\n");
    });
    summary.embedder = std::string(switchyard::view(set.embedder_id));
    char line[200];
    std::snprintf(line, sizeof line, "best epoch %zu: train_loss=%.5f validation_loss=%.5f (%zu train, %zu validation)\n",
                  summary.best_epoch, summary.train_loss, summary.validation_loss, summary.examples, summary.validation);
    switchyard::write(set.report, line);
    switchyard::write(set.weights, encode_model(model, summary));
}

}  // namespace sy_plugins::mf
