// The mf router: ranks candidates by the matrix-factorisation quality model. With a threshold
// (router-mf-<t>, or routers[].threshold for `auto`) it sends a request to the first (strong)
// candidate when the strong-win score over the last (weak) one is >= t, as RouteLLM does;
// without one it picks the best expected quality minus lambda times price.
#pragma once

#include <map>
#include <string>

#include <switchyard/sdk.hpp>

#include "common/model_map.hpp"
#include "common/quality_ranking.hpp"
#include "mf_model.hpp"

namespace sy_plugins::mf {

class MfRouter final : public QualityRouter {
public:
    MfRouter(const switchyard::Host& host, std::string_view config_json);

    void score(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               std::vector<double>& quality, double& strong_win) override;

    static void train(const switchyard::Host& host, const sy_train_set& set);

private:
    // s(m) of every candidate for the request's prompt, into `scores` (throws on an unknown model).
    void candidate_scores(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                          std::vector<double>& scores) const;

    switchyard::Host host_;
    std::string embedder_;                                  // embedder name as configured
    MfModel model_;
    ModelMap models_;                                       // candidate or trained name -> model row
};

}  // namespace sy_plugins::mf
