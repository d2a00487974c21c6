#include <cmath>

#include "cache/semantic_cache.hpp"

namespace sy::cache {

double similarity(std::span<const float> a, std::span<const float> b) {
    if (a.size() != b.size()) return 0;
    // Eight partial sums: without -ffast-math the compiler may not reorder one sum, but it does
    // turn eight independent ones into one vector register.
    float part[8] = {};
    size_t i = 0;
    for (; i + 8 <= a.size(); i += 8)
        for (size_t j = 0; j < 8; ++j) part[j] += a[i + j] * b[i + j];
    float sum = 0;
    for (; i < a.size(); ++i) sum += a[i] * b[i];
    for (float p : part) sum += p;
    return sum;
}

bool normalise(std::span<float> v) {
    double sq = 0;
    for (float x : v) sq += static_cast<double>(x) * x;
    if (sq <= 0) return false;
    const float inv = static_cast<float>(1.0 / std::sqrt(sq));
    for (float& x : v) x *= inv;
    return true;
}

}  // namespace sy::cache
