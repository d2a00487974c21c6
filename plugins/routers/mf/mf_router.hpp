// The mf router: ranks candidates by the matrix-factorisation quality model. With a threshold
// (router-mf-<t>, or routers[].threshold for `auto`) it sends a request to the first (strong)
// candidate when the strong-win score over the last (weak) one is >= t, as RouteLLM does;
// without one it picks the best expected quality minus lambda times price.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <switchyard/sdk.hpp>

#include "common/model_map.hpp"
#include "common/plugin_config.hpp"
#include "common/quality_ranking.hpp"
#include "mf_model.hpp"

namespace sy_plugins::mf {

class MfRouter final : public QualityRouter {
public:
    MfRouter(const switchyard::Host& host, std::string_view config_json);

    void route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               const sy_route_params& params, switchyard::Ranking& out) override;
    void score(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               std::vector<double>& quality, double& strong_win) override;

    static void train(const switchyard::Host& host, const sy_train_set& set);

private:
    // A trained model with the embedder it needs and its candidate map.
    struct Trained {
        MfModel model;
        ModelMap names;
        std::string embedder;
    };
    static Trained load(const PluginConfig& cfg, const switchyard::Host& host, const std::string& weights,
                        const std::string& embedder);
    // s(m) of every candidate; true when the fallback model answered (the embedder failed).
    bool scores_for(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                    std::vector<double>& scores) const;
    static void candidate_scores(const Trained& t, const std::vector<float>& embedding,
                                 const std::vector<switchyard::Candidate>& candidates, std::vector<double>& scores);

    switchyard::Host host_;
    Trained primary_;
    std::optional<Trained> fallback_;  // fallback_weights, with the built-in embedder
};

}  // namespace sy_plugins::mf
