// This instance's quality signals: feedback per router, route and model, and shadow outcomes
// and verdicts per router with the running retention estimate. Feeds the Prometheus series
// (switchyard_quality_*, switchyard_shadow_*) as it goes and renders GET /admin/quality.
// Counts start at zero with the process; Prometheus sums the counters across instances.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "quality/verdict.hpp"
#include "quality/wilson.hpp"

namespace sy::quality {

enum class ShadowOutcome { judged, dropped_queue_full, over_budget, failed };
const char* outcome_name(ShadowOutcome o);

struct Retention {
    int64_t wins = 0, ties = 0, losses = 0;
    int64_t judged() const { return wins + ties + losses; }
    double estimate() const;  // (wins + ties/2) / judged; NaN before the first verdict
    Interval interval() const { return wilson_interval(static_cast<double>(wins + ties), static_cast<double>(judged())); }
};

class Board {
public:
    Board();  // registers the metric families, so that /metrics lists them from the start
    // router "" (no router decided) is shown as "none"; thumbs: true up, false down.
    void add_feedback(const std::string& router, const std::string& route, const std::string& model, double score,
                      std::optional<bool> thumbs);
    // A shadow's outcome and what its calls to the baseline and the judge cost.
    void add_shadow(const std::string& router, ShadowOutcome outcome, double cost_usd = 0);
    // A judged shadow's verdict (after add_shadow(judged)): updates the retention estimate.
    void add_verdict(const std::string& router, Verdict v);
    Retention retention(const std::string& router) const;
    // {"feedback": [...], "shadow": [...]} (docs/http-api.md).
    std::string to_json() const;

private:
    struct Feedback {
        int64_t count = 0, up = 0, down = 0;
        double score_sum = 0;
    };
    struct Shadow {
        Retention retention;
        std::map<ShadowOutcome, int64_t> outcomes;
        double cost_usd = 0;
    };
    mutable std::mutex mu_;
    std::map<std::tuple<std::string, std::string, std::string>, Feedback> feedback_;  // router, route, model
    std::map<std::string, Shadow> shadow_;
};

}  // namespace sy::quality
