// Always the same model (or the first candidate): for pinning traffic and for tests.
#pragma once

#include <string>

#include <switchyard/sdk.hpp>

namespace sy_plugins::fixed {

class FixedRouter final : public switchyard::Router {
public:
    FixedRouter(const switchyard::Host& host, std::string_view config_json);

    // switchyard::Router
    void route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               const sy_route_params& params, switchyard::Ranking& out) override;

private:
    std::string model_;  // empty: the first candidate
};

}  // namespace sy_plugins::fixed
