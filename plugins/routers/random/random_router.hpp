// Weighted random choice among the healthy candidates: for A/B splits and canaries.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <switchyard/sdk.hpp>

namespace sy_plugins::random {

class RandomRouter final : public switchyard::Router {
public:
    RandomRouter(const switchyard::Host& host, std::string_view config_json);

    // switchyard::Router
    void route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               const sy_route_params& params, switchyard::Ranking& out) override;

private:
    double weight_of(std::string_view name) const;
    double next_unit();

    std::map<std::string, double, std::less<>> weights_;  // missing model = weight 1
    std::optional<uint64_t> seed_;
};

}  // namespace sy_plugins::random
