// The sw router's index: every training prompt's embedding, randomly projected to `dim`
// dimensions (a fixed-seed Gaussian projection, regenerated at load rather than stored) and
// unit-normalised, with its per-model scores. Kept in a weights file (common/weights_file.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sy_plugins::sw {

struct SwIndex {
    size_t input_dim = 0;              // embedder dimension
    size_t dim = 0;                    // projected dimension
    uint64_t seed = 0;                 // of the projection
    std::vector<std::string> models;
    std::vector<float> points;         // examples × dim, unit rows
    std::vector<float> scores;         // examples × models; NaN = unrated
    std::vector<float> projection;     // input_dim × dim (derived from seed)

    size_t examples() const { return dim ? points.size() / dim : 0; }
    void make_projection();
    // Projects and normalises an embedding into out (dim floats).
    void project(const float* embedding, float* out) const;
};

std::string encode_index(const SwIndex& index, std::string_view embedder);
SwIndex decode_index(std::string_view bytes, std::string_view what, std::string& embedder);

}  // namespace sy_plugins::sw
