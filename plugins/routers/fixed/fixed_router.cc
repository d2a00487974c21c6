#include "fixed_router.hpp"

#include "common/plugin_config.hpp"
#include "common/ranking.hpp"

namespace sy_plugins::fixed {

FixedRouter::FixedRouter(const switchyard::Host&, std::string_view config_json) {
    PluginConfig cfg("fixed", config_json, {"model"});
    model_ = cfg.string("model");
}

void FixedRouter::route(const switchyard::RequestView&, const std::vector<switchyard::Candidate>& candidates,
                        const sy_route_params&, switchyard::Ranking& out) {
    size_t chosen = 0;
    for (size_t i = 0; i < candidates.size(); ++i)
        if (!model_.empty() && candidates[i].name() == model_) chosen = i;
    rank_with_first(candidates, chosen, out);
    out.reason("fixed -> " + std::string(candidates[out.choices().front().index].name()));
}

}  // namespace sy_plugins::fixed
