// The bandit router: learns online from POST /v1/feedback which candidate answers each kind of
// prompt best. Prompts fall into 2^bits contexts (random-hyperplane hashing of the host
// embedding, identical on every instance); per context and model it keeps the count and score
// sum of the feedback in the shared state store, so every instance learns from all feedback.
// Each decision is a Thompson sample: theta ~ Beta(1 + score_sum, 1 + count - score_sum) per
// healthy candidate, minus lambda times its price; the best sample answers.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <switchyard/sdk.hpp>

namespace sy_plugins::bandit {

struct Arm {
    double count = 0;  // feedback received
    double score = 0;  // sum of scores (0..1 each)
};

class BanditRouter final : public switchyard::Router {
public:
    BanditRouter(const switchyard::Host& host, std::string_view config_json);

    void route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               const sy_route_params& params, switchyard::Ranking& out) override;
    // quality[i]: the posterior mean of candidate i in the prompt's context.
    void score(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               std::vector<double>& quality, double& strong_win) override;
    void feedback(std::string_view request_id, std::string_view model, std::string_view memo, double score) override;

private:
    size_t context_of(const switchyard::RequestView& request) const;
    // The arms of one context, refreshed from the store when older than refresh_.
    std::map<std::string, Arm, std::less<>> arms(size_t context);
    std::string state_key(size_t context) const;

    switchyard::Host host_;
    std::string embedder_;
    std::string name_;              // state namespace
    size_t bits_ = 3;
    double lambda_ = 0;
    std::chrono::milliseconds refresh_{1000};
    std::vector<std::vector<float>> planes_;  // bits_ hyperplanes

    struct Cached {
        std::map<std::string, Arm, std::less<>> arms;
        std::chrono::steady_clock::time_point read{};
        bool valid = false;
    };
    std::mutex mu_;
    std::vector<Cached> cache_;     // per context
};

}  // namespace sy_plugins::bandit
