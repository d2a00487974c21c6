// Text embedders: a host service that router plugins reach through sy_host_api.embed.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sy::embed {

class Embedder {
public:
    virtual ~Embedder() = default;
    // Identity stored in trained router weights: name, version and dimension.
    virtual const std::string& id() const = 0;
    virtual size_t dim() const = 0;
    // Writes dim() floats into out. Returns false with a message when the text cannot be embedded.
    virtual bool embed(std::string_view text, float* out, std::string& error) const noexcept = 0;
};

// The built-in embedder: signed feature hashing of words and character trigrams into `dim`
// buckets, plus a prompt-length feature, L2-normalised (docs/routers.md). Needs no model files; deterministic on every machine.
class HashEmbedder final : public Embedder {
public:
    static constexpr size_t kDefaultDim = 1024;
    explicit HashEmbedder(size_t dim = kDefaultDim);  // dim: a power of two >= 64
    const std::string& id() const override { return id_; }
    size_t dim() const override { return dim_; }
    bool embed(std::string_view text, float* out, std::string& error) const noexcept override;

private:
    size_t dim_;
    std::string id_;
};

// The embedder a name refers to ("" and "builtin" name the built-in one), or null.
const Embedder* find_embedder(std::string_view name);

// The embedders one config generation offers: the built-in one and those of embedders[].
class EmbedderSet {
public:
    void add(std::string name, std::shared_ptr<const Embedder> embedder);
    // By configured name, or the built-in one ("", "builtin" or its identity); null when unknown.
    const Embedder* find(std::string_view name) const;

private:
    std::vector<std::pair<std::string, std::shared_ptr<const Embedder>>> named_;
};

}  // namespace sy::embed
