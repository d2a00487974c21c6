// The matrix-factorisation quality model (RouteLLM's MF, generalised to N models):
//   u = W e                      (learned projection of the prompt embedding e)
//   s(m) = w · (v_m/|v_m| ⊙ u) + b_m
//   quality(m) = sigmoid(s(m)),  strong-win(a over b) = sigmoid(s(a) - s(b))
// The bias b_m carries each model's average quality so N models can be compared by expected
// quality; RouteLLM's two-model score is the difference, where b only shifts the threshold.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace sy_plugins::mf {

struct MfModel {
    size_t dim = 0;                   // embedding dimension D
    size_t k = 0;                     // latent dimension
    std::vector<std::string> models;  // N model names as in the training data
    std::vector<float> wt;            // W transposed: D rows of k (a sparse e touches few rows)
    std::vector<float> v;             // N rows of k, unnormalised
    std::vector<float> w;             // k
    std::vector<float> b;             // N
    std::vector<float> vn;            // v with unit rows (derived)

    void init(size_t dim, size_t k, std::vector<std::string> models, uint64_t seed);
    void normalise();                 // recomputes vn from v
    // u = W e over the non-zero entries of e (u has k entries).
    void project(const float* e, float* u) const;
    // s(m) for one model given u.
    double score(size_t m, const float* u) const;
};

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace sy_plugins::mf
