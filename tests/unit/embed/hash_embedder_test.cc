#include <switchyard/embedder.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace sy::embed {
namespace {

std::vector<float> embed(const Embedder& e, std::string_view text) {
    std::vector<float> v(e.dim());
    std::string why;
    EXPECT_TRUE(e.embed(text, v.data(), why)) << why;
    return v;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
    return s;
}

TEST(HashEmbedderTest, IsUnitLengthAndDeterministic) {
    HashEmbedder e;
    EXPECT_EQ(e.id(), "hash-ngram-v1/1024");
    auto a = embed(e, "What is the derivative of x^2?");
    EXPECT_NEAR(dot(a, a), 1.0, 1e-5);
    EXPECT_EQ(a, embed(HashEmbedder(), "What is the derivative of x^2?"));
}

// FNV-1a over the floats' bytes: a bit-for-bit fingerprint of an embedding.
uint64_t fingerprint(const std::vector<float>& v) {
    uint64_t h = 1469598103934665603ull;
    for (float f : v) {
        unsigned char bytes[sizeof f];
        std::memcpy(bytes, &f, sizeof f);
        for (unsigned char b : bytes) h = (h ^ b) * 1099511628211ull;
    }
    return h;
}

// Trained router weights hold this embedder's id: its output may not move by a single bit for
// the same id (the fingerprints were taken before the norm and the scaling visited only the
// buckets a text touches).
TEST(HashEmbedderTest, EmbeddingsAreBitForBitThoseTheWeightsWereTrainedOn) {
    HashEmbedder e, small(64);
    const std::pair<std::string_view, uint64_t> cases[] = {
        {"What is the derivative of x^2?", 0xab808f95d7bebb66ull},
        {"OK. If it does not show up by Friday, what are my options? I need it for a birthday on Saturday and I "
         "would rather not pay for express shipping twice.",
         0xc712604e00703b68ull},
        {"def f(x):\n    return [i * i for i in range(x)]  # \xc3\xa9t\xc3\xa9", 0x3d0b5bbdc54db96full},
        {"!!!", 0xf78f4e3a21cbae50ull},
    };
    for (const auto& [text, golden] : cases) EXPECT_EQ(fingerprint(embed(e, text)), golden) << text;
    EXPECT_EQ(fingerprint(embed(small, cases[1].first)), 0x50ca40c161d94964ull) << "a small dimension folds many buckets";
}

TEST(HashEmbedderTest, FoldsCaseAndIgnoresSpacing) {
    HashEmbedder e;
    EXPECT_EQ(embed(e, "Hello   World"), embed(e, "hello world"));
}

TEST(HashEmbedderTest, RelatedTextsAreCloserThanUnrelatedOnes) {
    HashEmbedder e;
    auto calculus = embed(e, "compute the integral of the function f(x) = x^2 from 0 to 1");
    auto calculus2 = embed(e, "compute the integral of the function g(x) = 3x from 1 to 2");
    auto cooking = embed(e, "a recipe for tomato soup with basil and garlic");
    EXPECT_GT(dot(calculus, calculus2), dot(calculus, cooking) + 0.3);
}

TEST(HashEmbedderTest, LengthIsAFeature) {
    HashEmbedder e;
    std::string short_text = "tell me about rivers";
    std::string long_text;
    for (int i = 0; i < 50; ++i) long_text += "tell me about rivers ";
    // Same words, so only the length feature tells them apart.
    EXPECT_LT(dot(embed(e, short_text), embed(e, long_text)), 0.95);
}

TEST(HashEmbedderTest, EmptyAndBinaryTextsAreSafe) {
    HashEmbedder e(64);
    auto empty = embed(e, "");
    EXPECT_EQ(dot(empty, empty), 0.0);
    std::string binary("\x00\xff\xfe\x80 \x01\x02", 7);
    auto b = embed(e, binary);
    EXPECT_NEAR(dot(b, b), 1.0, 1e-5);
    std::string long_word(10000, 'x');
    auto w = embed(e, long_word);
    EXPECT_NEAR(dot(w, w), 1.0, 1e-5);
}

TEST(HashEmbedderTest, NamesResolve) {
    EXPECT_NE(find_embedder(""), nullptr);
    EXPECT_EQ(find_embedder("builtin"), find_embedder(""));
    EXPECT_EQ(find_embedder("hash-ngram-v1/1024"), find_embedder(""));
    EXPECT_EQ(find_embedder("openai"), nullptr);
}

}  // namespace
}  // namespace sy::embed
