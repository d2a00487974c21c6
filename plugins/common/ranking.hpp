// Ranking helpers shared by the in-tree routers.
#pragma once

#include <vector>

#include <switchyard/sdk.hpp>

namespace sy_plugins {

// Ranks `first` first (score 1), then the other healthy candidates in order, then the
// unhealthy ones; an unhealthy `first` moves behind the healthy ones too.
inline void rank_with_first(const std::vector<switchyard::Candidate>& candidates, size_t first,
                            switchyard::Ranking& out) {
    std::vector<size_t> healthy, unhealthy;
    for (size_t i = 0; i < candidates.size(); ++i) {
        if (i == first) continue;
        (candidates[i].healthy() ? healthy : unhealthy).push_back(i);
    }
    if (candidates[first].healthy()) out.add(first, 1.0);
    for (size_t i : healthy) out.add(i, 0.0);
    if (!candidates[first].healthy()) out.add(first, 1.0);
    for (size_t i : unhealthy) out.add(i, 0.0);
}

}  // namespace sy_plugins
