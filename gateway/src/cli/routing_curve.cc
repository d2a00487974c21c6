#include "cli/routing_curve.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sy::cli {
namespace {

double mean(const std::vector<double>& v) {
    return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// First share at which the (piecewise linear) PGR reaches p.
double crossing(const std::vector<SharePoint>& pts, double p) {
    for (size_t i = 0; i < pts.size(); ++i) {
        if (pts[i].pgr < p) continue;
        if (i == 0) return pts[0].strong_share;
        const auto& a = pts[i - 1];
        const auto& b = pts[i];
        double t = (p - a.pgr) / (b.pgr - a.pgr);
        return a.strong_share + t * (b.strong_share - a.strong_share);
    }
    return std::nan("");
}

}  // namespace

double TwoModelCurve::pgr_at(double share) const {
    for (size_t i = 1; i < points.size(); ++i) {
        if (points[i].strong_share < share) continue;
        const auto& a = points[i - 1];
        const auto& b = points[i];
        double span = b.strong_share - a.strong_share;
        return span > 0 ? a.pgr + (share - a.strong_share) / span * (b.pgr - a.pgr) : b.pgr;
    }
    return points.empty() ? 0.0 : points.back().pgr;
}

TwoModelCurve two_model_curve(const std::vector<double>& scores, const std::vector<double>& strong,
                              const std::vector<double>& weak) {
    TwoModelCurve c;
    const size_t n = scores.size();
    c.strong_quality = mean(strong);
    c.weak_quality = mean(weak);
    const double gap = c.strong_quality - c.weak_quality;
    auto pgr = [&](double q) { return gap != 0 ? (q - c.weak_quality) / gap : std::nan(""); };
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    double total = std::accumulate(weak.begin(), weak.end(), 0.0);
    c.points.push_back({0.0, c.weak_quality, pgr(c.weak_quality), INFINITY});
    // Prompts with equal scores move together: any order among them is equally justified, and
    // the straight line between group ends is their expected curve.
    for (size_t i = 0; i < n;) {
        size_t j = i;
        for (; j < n && scores[order[j]] == scores[order[i]]; ++j) total += strong[order[j]] - weak[order[j]];
        double q = total / static_cast<double>(n);
        c.points.push_back({static_cast<double>(j) / static_cast<double>(n), q, pgr(q), scores[order[i]]});
        i = j;
    }
    for (size_t i = 1; i < c.points.size(); ++i) {
        const auto& a = c.points[i - 1];
        const auto& b = c.points[i];
        c.apgr += (b.strong_share - a.strong_share) * (a.pgr + b.pgr) / 2;
    }
    c.cpt50 = crossing(c.points, 0.5);
    c.cpt80 = crossing(c.points, 0.8);
    return c;
}

double threshold_for_share(std::vector<double> scores, double percent) {
    if (scores.empty()) return 0.5;
    std::sort(scores.begin(), scores.end(), std::greater<>());
    size_t k = static_cast<size_t>(std::llround(percent / 100.0 * static_cast<double>(scores.size())));
    if (k == 0) return std::nextafter(scores.front(), INFINITY);
    return scores[std::min(k, scores.size()) - 1];
}

CostPoint choose_by_lambda(double lambda, const std::vector<std::vector<double>>& predicted,
                           const std::vector<std::vector<double>>& actual, const std::vector<std::vector<double>>& cost,
                           const std::vector<double>& price) {
    CostPoint p{lambda, 0, 0, std::vector<double>(price.size(), 0.0)};
    for (size_t i = 0; i < predicted.size(); ++i) {
        size_t best = 0;
        double best_u = -INFINITY;
        for (size_t m = 0; m < price.size(); ++m) {
            double u = predicted[i][m] - lambda * price[m];
            if (u > best_u) best_u = u, best = m;
        }
        p.quality += actual[i][best];
        p.cost += cost[i][best];
        p.share[best] += 1;
    }
    double n = std::max<double>(1.0, static_cast<double>(predicted.size()));
    p.quality /= n;
    p.cost /= n;
    for (auto& s : p.share) s /= n;
    return p;
}

std::vector<CostPoint> lambda_sweep(const std::vector<std::vector<double>>& predicted,
                                    const std::vector<std::vector<double>>& actual,
                                    const std::vector<std::vector<double>>& cost, const std::vector<double>& price) {
    std::vector<CostPoint> pts{choose_by_lambda(0, predicted, actual, cost, price)};
    for (double l = 1e-4; l <= 100.0 * 1.0001; l *= std::pow(10.0, 0.05))
        pts.push_back(choose_by_lambda(l, predicted, actual, cost, price));
    std::stable_sort(pts.begin(), pts.end(), [](const CostPoint& a, const CostPoint& b) { return a.cost < b.cost; });
    return pts;
}

double lambda_for_cost(double target, const std::vector<std::vector<double>>& predicted,
                       const std::vector<std::vector<double>>& actual, const std::vector<std::vector<double>>& cost,
                       const std::vector<double>& price) {
    auto cost_at = [&](double l) { return choose_by_lambda(l, predicted, actual, cost, price).cost; };
    if (cost_at(0) <= target) return 0;
    double lo = 0, hi = 1e-4;
    while (cost_at(hi) > target) {
        lo = hi;
        hi *= 2;
        if (hi > 1e6) return std::nan("");
    }
    for (int i = 0; i < 60; ++i) {
        double mid = (lo + hi) / 2;
        (cost_at(mid) > target ? lo : hi) = mid;
    }
    return hi;
}

}  // namespace sy::cli
