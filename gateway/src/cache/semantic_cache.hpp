// The semantic cache's store: per bucket (see semantic_key), L2-normalised embeddings of the last
// user turn with the answer each one got. A lookup compares the request's embedding with every
// live entry of its bucket and returns the most similar answer when its cosine similarity (the
// dot product of unit vectors) reaches the threshold. Buckets are small by construction (only
// rewordings of one conversation share one), so a linear scan is enough.
#pragma once

#include <optional>
#include <span>
#include <string>

namespace sy::cache {

struct SemanticMatch {
    std::string answer;  // chat.completion JSON, as the exact cache stores it
    double similarity = 0;
};

class SemanticBackend {
public:
    virtual ~SemanticBackend() = default;
    // The most similar live entry of `bucket` when its similarity is >= threshold.
    virtual std::optional<SemanticMatch> nearest(const std::string& bucket, std::span<const float> unit,
                                                 double threshold) = 0;
    virtual void put(const std::string& bucket, std::span<const float> unit, const std::string& answer, int ttl_s) = 0;
};

// Cosine similarity of two unit vectors; 0 when their sizes differ.
double similarity(std::span<const float> a, std::span<const float> b);

// Scales v to length 1; false when it is all zeros (nothing to compare).
bool normalise(std::span<float> v);

}  // namespace sy::cache
