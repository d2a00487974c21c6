// The semantic router: routes defined by example utterances. A prompt goes to the model of the
// route whose examples it is most similar to (mean cosine similarity of its k nearest
// examples), when that similarity reaches the threshold; otherwise to the default model.
// Task-type routing without training; the embeddings of the examples are computed at load.
#pragma once

#include <string>
#include <vector>

#include <switchyard/sdk.hpp>

namespace sy_plugins::semantic {

struct Route {
    std::string name;
    std::string model;                      // a candidate name
    std::vector<std::vector<float>> examples;  // unit vectors
};

class SemanticRouter final : public switchyard::Router {
public:
    SemanticRouter(const switchyard::Host& host, std::string_view config_json);

    void route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               const sy_route_params& params, switchyard::Ranking& out) override;
    // quality[i]: the best route similarity among routes to candidate i; strong_win: that of the first.
    void score(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               std::vector<double>& quality, double& strong_win) override;

private:
    // Similarity of the prompt to every route, in route order.
    void similarities(const switchyard::RequestView& request, std::vector<double>& out) const;
    static size_t candidate_index(const std::vector<switchyard::Candidate>& candidates, std::string_view model);

    switchyard::Host host_;
    std::string embedder_;
    std::vector<Route> routes_;
    std::string default_model_;  // empty: the first candidate
    double threshold_ = 0.5;
    size_t k_ = 3;
};

}  // namespace sy_plugins::semantic
