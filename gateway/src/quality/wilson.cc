#include "quality/wilson.hpp"

#include <algorithm>
#include <cmath>

namespace sy::quality {

Interval wilson_interval(double successes, double n, double z) {
    if (!(n > 0)) return {};
    const double p = std::clamp(successes / n, 0.0, 1.0);
    const double z2 = z * z;
    const double denom = 1 + z2 / n;
    const double centre = (p + z2 / (2 * n)) / denom;
    const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

}  // namespace sy::quality
