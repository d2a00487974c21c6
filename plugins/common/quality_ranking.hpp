// Ranking by predicted quality, shared by the routers that predict it (mf, sw): with a threshold
// the first (strong) candidate answers when the strong-win score reaches it, else the last
// (weak) one, as RouteLLM does; without one the best quality minus lambda times price answers.
// Healthy candidates come before unhealthy ones; the rest follow by the same utility.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <switchyard/sdk.hpp>

namespace sy_plugins {

inline double price_of(const switchyard::Candidate& c) {
    return (c.input_price_per_mtok() + c.output_price_per_mtok()) / 2;
}

// A number as printf's %.<precision>g (or %.<precision>f) writes it, without printf.
inline void append_number(std::string& out, double v, int precision,
                          std::chars_format format = std::chars_format::general) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, format, precision);
    out.append(buf, ec == std::errc() ? end : buf);
}

inline void rank_by_quality(const std::vector<switchyard::Candidate>& candidates, const std::vector<double>& quality,
                            double strong_win, double threshold, double lambda, switchyard::Ranking& out) {
    const size_t n = candidates.size();
    thread_local std::vector<double> utility;  // reused: a decision allocates nothing here
    thread_local std::vector<size_t> order;
    utility.resize(n);
    order.resize(n);
    for (size_t i = 0; i < n; ++i) utility[i] = quality[i] - lambda * price_of(candidates[i]);
    const bool thresholded = !std::isnan(threshold) && n >= 2;
    if (thresholded) utility[strong_win >= threshold ? 0 : n - 1] = INFINITY;
    std::iota(order.begin(), order.end(), 0);
    auto before = [&](size_t a, size_t b) {
        if (candidates[a].healthy() != candidates[b].healthy()) return candidates[a].healthy();
        return utility[a] > utility[b];
    };
    // Insertion sort: stable like std::stable_sort, without its buffer, for a handful of candidates.
    for (size_t i = 1; i < n; ++i) {
        const size_t v = order[i];
        size_t j = i;
        for (; j > 0 && before(v, order[j - 1]); --j) order[j] = order[j - 1];
        order[j] = v;
    }
    for (size_t i : order) out.add(i, std::isinf(utility[i]) ? 1.0 : utility[i]);
    const auto& best = candidates[order.front()];
    std::string reason;  // "score=0.4213>=0.5 -> strong" or "lambda=0.1 q=0.874 -> weak"
    reason.reserve(64);
    if (thresholded) {
        reason.append("score=");
        append_number(reason, strong_win, 4);
        reason.append(strong_win >= threshold ? ">=" : "<");
        append_number(reason, threshold, 4);
    } else {
        reason.append("lambda=");
        append_number(reason, lambda, 4);
        reason.append(" q=");
        append_number(reason, quality[order.front()], 3, std::chars_format::fixed);
    }
    reason.append(" -> ").append(best.name());
    out.reason(std::move(reason));
}

// A router whose decision is its score() ranked as above; `lambda_` comes from its config.
class QualityRouter : public switchyard::Router {
public:
    void route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               const sy_route_params& params, switchyard::Ranking& out) override {
        thread_local std::vector<double> quality;
        double strong_win = 0;
        score(request, candidates, quality, strong_win);
        rank_by_quality(candidates, quality, strong_win, params.threshold, lambda_, out);
    }

protected:
    double lambda_ = 0;  // quality per USD/Mtok traded off without a threshold
};

}  // namespace sy_plugins
