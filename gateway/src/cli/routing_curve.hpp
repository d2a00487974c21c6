// Routing quality the RouteLLM way: the quality-vs-strong-share curve of a router's scores,
// APGR (area under the performance-gap-recovered curve; random routing has 0.5 in expectation)
// and CPT(p) (the strong share needed to recover p of the gap); and for N models, the
// quality-vs-cost curve of choosing argmax(predicted quality - lambda * price).
#pragma once

#include <cstddef>
#include <vector>

namespace sy::cli {

struct SharePoint {
    double strong_share;  // 0..1
    double quality;       // mean actual quality when the top strong_share go to the strong model
    double pgr;           // (quality - weak) / (strong - weak)
    double threshold;     // the score at and above which requests went strong
};

struct TwoModelCurve {
    double strong_quality = 0, weak_quality = 0;
    double apgr = 0;
    double cpt50 = 0, cpt80 = 0;      // strong shares (0..1); NaN when never reached
    std::vector<SharePoint> points;   // 0 .. 1 by increasing share, ties grouped
    // PGR at a strong share (linear between points).
    double pgr_at(double share) const;
};

// scores: strong-win score per prompt; strong/weak: actual qualities per prompt.
TwoModelCurve two_model_curve(const std::vector<double>& scores, const std::vector<double>& strong,
                              const std::vector<double>& weak);

// The threshold that sends `percent` % of these scores to the strong model (score >= threshold).
double threshold_for_share(std::vector<double> scores, double percent);

struct CostPoint {
    double lambda;
    double quality;                // mean actual quality
    double cost;                   // mean cost per request
    std::vector<double> share;     // share of requests per model
};

// predicted[i][m], actual[i][m], cost[i][m] (per request), price[m] (what lambda multiplies).
CostPoint choose_by_lambda(double lambda, const std::vector<std::vector<double>>& predicted,
                           const std::vector<std::vector<double>>& actual, const std::vector<std::vector<double>>& cost,
                           const std::vector<double>& price);

// The sweep over a fixed lambda grid (0, then 1e-4 .. 100, 20 steps a decade), sorted by cost.
std::vector<CostPoint> lambda_sweep(const std::vector<std::vector<double>>& predicted,
                                    const std::vector<std::vector<double>>& actual,
                                    const std::vector<std::vector<double>>& cost, const std::vector<double>& price);

// The smallest lambda whose mean cost is <= target (NaN when even the largest grid lambda is above).
double lambda_for_cost(double target, const std::vector<std::vector<double>>& predicted,
                       const std::vector<std::vector<double>>& actual, const std::vector<std::vector<double>>& cost,
                       const std::vector<double>& price);

}  // namespace sy::cli
