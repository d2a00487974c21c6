#include "mf_router.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "common/model_map.hpp"
#include "common/plugin_config.hpp"
#include "common/quality_ranking.hpp"
#include "mf_train.hpp"
#include "mf_weights.hpp"

namespace sy_plugins::mf {
namespace {

// The text a decision is made on: the last user message, else the system prompt.
std::string_view prompt_text(const switchyard::RequestView& r) {
    return r.last_user_text().empty() ? r.system_text() : r.last_user_text();
}

// Expected outcome of strong (first) against weak (last): 0.5 + (q_strong - q_weak) / 2, the
// expectation of the pairwise target the model was trained on.
double strong_win_of(const std::vector<double>& s) {
    return s.empty() ? 0.0 : 0.5 + (sigmoid(s.front()) - sigmoid(s.back())) / 2;
}

}  // namespace

MfRouter::Trained MfRouter::load(const PluginConfig& cfg, const switchyard::Host& host, const std::string& weights,
                                  const std::string& embedder) {
    Trained t;
    t.embedder = embedder;
    std::string trained_with;
    t.model = decode_model(host.read_file(weights), weights, trained_with);
    require_embedder(cfg, host, embedder, trained_with, weights);
    t.names = ModelMap(cfg, t.model.models);
    return t;
}

MfRouter::MfRouter(const switchyard::Host& host, std::string_view config_json) : host_(host) {
    PluginConfig cfg("mf", config_json, {"weights", "embedder", "models", "lambda", "fallback_weights"});
    std::string weights = cfg.string("weights");
    if (weights.empty()) cfg.fail("weights", "is required (a file written by `switchyard train mf`)");
    lambda_ = cfg.number("lambda", 0.0, 0.0, 1e6);
    primary_ = load(cfg, host, weights, cfg.string("embedder"));
    // Weights trained with the built-in embedder, used while the configured one fails.
    if (std::string fallback = cfg.string("fallback_weights"); !fallback.empty()) {
        try {
            fallback_ = load(cfg, host, fallback, "");
        } catch (const switchyard::Error& e) {
            cfg.fail("fallback_weights", e.what());
        }
    }
}

void MfRouter::candidate_scores(const Trained& t, const std::vector<float>& embedding,
                                const std::vector<switchyard::Candidate>& candidates, std::vector<double>& scores) {
    thread_local std::vector<float> u;
    if (embedding.size() != t.model.dim)
        throw switchyard::Error("embedder returned " + std::to_string(embedding.size()) + " dimensions, weights expect " +
                                std::to_string(t.model.dim));
    u.resize(t.model.k);
    t.model.project(embedding.data(), u.data());
    scores.resize(candidates.size());
    for (size_t i = 0; i < candidates.size(); ++i) scores[i] = t.model.score(t.names.at(candidates[i].name()), u.data());
}

bool MfRouter::scores_for(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                          std::vector<double>& scores) const {
    thread_local std::vector<float> embedding;
    try {
        host_.embed(primary_.embedder, prompt_text(request), embedding);
    } catch (const switchyard::Error& e) {
        if (!fallback_) throw;
        host_.embed(fallback_->embedder, prompt_text(request), embedding);
        candidate_scores(*fallback_, embedding, candidates, scores);
        return true;
    }
    candidate_scores(primary_, embedding, candidates, scores);
    return false;
}

void MfRouter::route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                     const sy_route_params& params, switchyard::Ranking& out) {
    thread_local std::vector<double> s, quality;
    bool fell_back = scores_for(request, candidates, s);
    quality.resize(s.size());
    for (size_t i = 0; i < s.size(); ++i) quality[i] = sigmoid(s[i]);
    rank_by_quality(candidates, quality, strong_win_of(s), params.threshold, lambda_, out);
    if (fell_back) out.reason(out.reason() + " (fallback embedder)");
}

void MfRouter::score(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                     std::vector<double>& quality, double& strong_win) {
    std::vector<double> s;
    scores_for(request, candidates, s);
    quality.resize(s.size());
    for (size_t i = 0; i < s.size(); ++i) quality[i] = sigmoid(s[i]);
    strong_win = strong_win_of(s);
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
