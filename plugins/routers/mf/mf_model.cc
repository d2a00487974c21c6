#include "mf_model.hpp"

#include <cmath>
#include <random>

namespace sy_plugins::mf {
namespace {

// A normal deviate from raw 64-bit draws (Box–Muller), so weights are identical for a seed on
// every standard library.
double normal(std::mt19937_64& rng) {
    constexpr double kTwoPi = 6.283185307179586;
    double u1 = (static_cast<double>(rng() >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

}  // namespace

void MfModel::init(size_t d, size_t latent, std::vector<std::string> names, uint64_t seed) {
    dim = d;
    k = latent;
    models = std::move(names);
    std::mt19937_64 rng(seed);
    wt.resize(dim * k);
    for (auto& x : wt) x = static_cast<float>(normal(rng) * 0.1);
    v.resize(models.size() * k);
    for (auto& x : v) x = static_cast<float>(normal(rng));
    w.resize(k);
    for (auto& x : w) x = static_cast<float>(normal(rng) * 0.1);
    b.assign(models.size(), 0.0f);
    normalise();
}

void MfModel::normalise() {
    vn.resize(v.size());
    for (size_t m = 0; m < models.size(); ++m) {
        double n = 0;
        for (size_t j = 0; j < k; ++j) n += static_cast<double>(v[m * k + j]) * v[m * k + j];
        double inv = n > 0 ? 1.0 / std::sqrt(n) : 0.0;
        for (size_t j = 0; j < k; ++j) vn[m * k + j] = static_cast<float>(v[m * k + j] * inv);
    }
}

// Built for AVX2 as well, picked at load where the CPU has it: the projection is most of a
// decision's arithmetic (k-wide multiply-adds per non-zero embedding entry).
__attribute__((target_clones("avx2", "default"))) void MfModel::project(const float* e, float* u) const {
    for (size_t j = 0; j < k; ++j) u[j] = 0;
    for (size_t d = 0; d < dim; ++d) {
        float x = e[d];
        if (x == 0.0f) continue;
        const float* row = &wt[d * k];
        for (size_t j = 0; j < k; ++j) u[j] += x * row[j];
    }
}

double MfModel::score(size_t m, const float* u) const {
    const float* vm = &vn[m * k];
    double s = b[m];
    for (size_t j = 0; j < k; ++j) s += static_cast<double>(w[j]) * vm[j] * u[j];
    return s;
}

}  // namespace sy_plugins::mf
