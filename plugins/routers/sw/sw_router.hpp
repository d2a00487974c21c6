// The sw router (similarity-weighted ranking, after RouteLLM's SW router): for each prompt it
// weighs every training prompt by its similarity (weight exp(beta * (sim - best sim)) over the
// k most similar), then refits a Bradley-Terry model over the weighted per-model outcomes of
// those neighbours for the strong-win score, and takes the weighted mean score per model as
// predicted quality. The whole-data statistics act as a prior of weight `prior`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <switchyard/sdk.hpp>

#include "common/model_map.hpp"
#include "common/quality_ranking.hpp"
#include "sw_index.hpp"

namespace sy_plugins::sw {

class SwRouter final : public QualityRouter {
public:
    SwRouter(const switchyard::Host& host, std::string_view config_json);

    void score(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               std::vector<double>& quality, double& strong_win) override;

    static void train(const switchyard::Host& host, const sy_train_set& set);

private:
    switchyard::Host host_;
    std::string embedder_;
    SwIndex index_;
    ModelMap names_;                                    // candidate or trained name -> model column
    std::vector<double> prior_quality_;                 // per model, over all examples
    size_t k_ = 500;
    double beta_ = 10;
    double prior_ = 1;
};

// Weighted Bradley-Terry strengths (MM algorithm) from soft wins w[a][b]; returns one per model.
std::vector<double> bradley_terry(const std::vector<std::vector<double>>& wins, int iterations = 50);

}  // namespace sy_plugins::sw
