#include <switchyard/embedder.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace sy::embed {
namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

// Feature families hash from different seeds so a word and a trigram never share a feature.
constexpr uint64_t kUnigramSeed = kFnvOffset;
constexpr uint64_t kTrigramSeed = kFnvOffset ^ 0xc2b2ae3d27d4eb4full;

constexpr float kUnigramWeight = 1.0f;
// Word bigrams were tried and dropped: on the MMLU routing data they added noise, not signal.
constexpr float kTrigramWeight = 0.5f;
constexpr uint64_t kLengthSeed = kFnvOffset ^ 0x165667b19e3779f9ull;
// Prompt length survives normalisation as its own feature, at this share of the text's norm.
constexpr double kLengthShare = 0.5;

inline uint64_t mix(uint64_t h, unsigned char c) { return (h ^ c) * kFnvPrime; }

// Final avalanche so that the low bits (the bucket) and the top bit (the sign) are independent.
inline uint64_t finish(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

inline bool is_word_byte(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80; }
inline unsigned char fold(unsigned char c) { return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c; }
inline bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Adds signed features into out, marking the buckets it touches so that the norm and the
// scaling visit those alone, in index order: the same sums, bit for bit, as a pass over all dim
// buckets (the others hold exactly 0), at a fraction of the cost for a short prompt.
class Accumulator {
public:
    Accumulator(float* out, size_t dim, uint64_t* touched) : out_(out), mask_(dim - 1), touched_(touched), words_(dim / 64) {
        std::memset(touched_, 0, words_ * sizeof(uint64_t));
    }
    void add(uint64_t hash, float weight) {
        uint64_t h = finish(hash);
        const size_t i = h & mask_;
        out_[i] += (h >> 63) ? -weight : weight;
        touched_[i >> 6] |= uint64_t{1} << (i & 63);
    }
    double squared_norm() const {
        double norm = 0;
        for_each_touched([&](size_t i) { norm += static_cast<double>(out_[i]) * out_[i]; });
        return norm;
    }
    void scale(float by) {
        for_each_touched([&](size_t i) { out_[i] *= by; });
    }

private:
    template <class Visit>
    void for_each_touched(Visit visit) const {
        for (size_t w = 0; w < words_; ++w)
            for (uint64_t bits = touched_[w]; bits != 0; bits &= bits - 1)
                visit(w * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
    }

    float* out_;
    size_t mask_;
    uint64_t* touched_;
    size_t words_;
};

// Character trigrams of one word with boundary marks: "^ca", "cat", "at$".
void add_trigrams(const unsigned char* w, size_t n, Accumulator& acc) {
    unsigned char a = '^', b = n > 0 ? w[0] : '$';
    for (size_t i = 1; i <= n; ++i) {
        unsigned char c = i < n ? w[i] : '$';
        acc.add(mix(mix(mix(kTrigramSeed, a), b), c), kTrigramWeight);
        a = b;
        b = c;
    }
}

}  // namespace

HashEmbedder::HashEmbedder(size_t dim) : dim_(dim), id_(std::string("hash-ngram-v1/").append(std::to_string(dim))) {}

bool HashEmbedder::embed(std::string_view text, float* out, std::string&) const noexcept {
    std::memset(out, 0, dim_ * sizeof(float));
    constexpr size_t kStackWords = 64;  // dims up to 4096 mark their buckets on the stack
    uint64_t stack_words[kStackWords];
    std::vector<uint64_t> heap_words(dim_ / 64 > kStackWords ? dim_ / 64 : 0);
    Accumulator acc(out, dim_, heap_words.empty() ? stack_words : heap_words.data());
    // A token is a run of letters/digits/non-ASCII bytes, or one punctuation character.
    unsigned char word[64];
    size_t tokens = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    while (p < end) {
        unsigned char c = fold(*p);
        if (is_space(c)) {
            ++p;
            continue;
        }
        uint64_t h = kUnigramSeed;
        size_t n = 0;
        if (is_word_byte(c)) {
            for (; p < end && is_word_byte(c = fold(*p)); ++p) {
                h = mix(h, c);
                if (n < sizeof word) word[n++] = c;
            }
            add_trigrams(word, n, acc);
        } else {
            h = mix(h, c);
            ++p;
        }
        acc.add(h, kUnigramWeight);
        ++tokens;
    }
    double norm = acc.squared_norm();
    if (norm > 0) {
        // Length on a half-octave scale, split between the two nearest buckets so it is smooth.
        double octaves = 2 * std::log2(1.0 + static_cast<double>(tokens));
        auto bucket = static_cast<uint64_t>(octaves);
        double frac = octaves - static_cast<double>(bucket);
        double weight = kLengthShare * std::sqrt(norm);
        acc.add(mix(kLengthSeed, static_cast<unsigned char>(bucket)), static_cast<float>(weight * (1 - frac)));
        acc.add(mix(kLengthSeed, static_cast<unsigned char>(bucket + 1)), static_cast<float>(weight * frac));
        acc.scale(static_cast<float>(1.0 / std::sqrt(acc.squared_norm())));
    }
    return true;
}

void EmbedderSet::add(std::string name, std::shared_ptr<const Embedder> embedder) {
    named_.emplace_back(std::move(name), std::move(embedder));
}

const Embedder* EmbedderSet::find(std::string_view name) const {
    for (const auto& [n, e] : named_)
        if (n == name) return e.get();
    return find_embedder(name);
}

const Embedder* find_embedder(std::string_view name) {
    static const HashEmbedder builtin;
    if (name.empty() || name == "builtin" || name == builtin.id()) return &builtin;
    return nullptr;
}

}  // namespace sy::embed
