#include "sw_index.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <random>
#include <tuple>

#include "common/weights_file.hpp"

namespace sy_plugins::sw {
namespace {

[[noreturn]] void bad(std::string_view what, const std::string& why) {
    throw switchyard::Error(std::string(what) + ": " + why, SY_ERR_CONFIG);
}

// Box–Muller over raw draws: identical projections on every standard library.
double normal(std::mt19937_64& rng) {
    double u1 = (static_cast<double>(rng() >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

size_t header_uint(const rapidjson::Value& h, const char* key, std::string_view what, uint64_t max) {
    auto it = h.FindMember(key);
    if (it == h.MemberEnd() || !it->value.IsUint64() || it->value.GetUint64() == 0 || it->value.GetUint64() > max)
        bad(what, std::string("header field '") + key + "' missing or out of range");
    return static_cast<size_t>(it->value.GetUint64());
}

}  // namespace

void SwIndex::make_projection() {
    std::mt19937_64 rng(seed);
    projection.resize(input_dim * dim);
    for (auto& x : projection) x = static_cast<float>(normal(rng));
}

void SwIndex::project(const float* e, float* out) const {
    for (size_t j = 0; j < dim; ++j) out[j] = 0;
    for (size_t d = 0; d < input_dim; ++d) {
        if (e[d] == 0.0f) continue;
        const float* row = &projection[d * dim];
        for (size_t j = 0; j < dim; ++j) out[j] += e[d] * row[j];
    }
    double n = 0;
    for (size_t j = 0; j < dim; ++j) n += static_cast<double>(out[j]) * out[j];
    if (n > 0)
        for (size_t j = 0; j < dim; ++j) out[j] = static_cast<float>(out[j] / std::sqrt(n));
}

std::string encode_index(const SwIndex& x, std::string_view embedder) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("router");
    w.String("sw");
    w.Key("embedder");
    w.String(embedder.data(), static_cast<rapidjson::SizeType>(embedder.size()));
    for (auto [key, value] : {std::pair<const char*, uint64_t>{"input_dim", x.input_dim}, {"dim", x.dim},
                              {"seed", x.seed}, {"examples", x.examples()}}) {
        w.Key(key);
        w.Uint64(value);
    }
    w.Key("models");
    w.StartArray();
    for (const auto& m : x.models) w.String(m.c_str());
    w.EndArray();
    w.Key("tensors");
    w.StartArray();
    for (auto [name, rows, cols] : {std::tuple<const char*, size_t, size_t>{"points", x.examples(), x.dim},
                                    {"scores", x.examples(), x.models.size()}}) {
        w.StartObject();
        w.Key("name");
        w.String(name);
        w.Key("shape");
        w.StartArray();
        w.Uint64(rows);
        w.Uint64(cols);
        w.EndArray();
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::vector<float> data(x.points);
    data.insert(data.end(), x.scores.begin(), x.scores.end());
    return encode_weights(std::string_view(buf.GetString(), buf.GetSize()), data);
}

SwIndex decode_index(std::string_view bytes, std::string_view what, std::string& embedder) {
    WeightsFile f = decode_weights(bytes, what);
    const auto& h = f.header;
    auto kind = h.FindMember("router");
    if (kind == h.MemberEnd() || !kind->value.IsString() || std::string_view(kind->value.GetString()) != "sw")
        bad(what, "weights are not for the sw router");
    auto emb = h.FindMember("embedder");
    if (emb == h.MemberEnd() || !emb->value.IsString()) bad(what, "header names no embedder");
    embedder = emb->value.GetString();
    SwIndex x;
    x.input_dim = header_uint(h, "input_dim", what, 1u << 20);
    x.dim = header_uint(h, "dim", what, 4096);
    auto seed = h.FindMember("seed");
    if (seed == h.MemberEnd() || !seed->value.IsUint64()) bad(what, "header field 'seed' missing");
    x.seed = seed->value.GetUint64();
    size_t n = header_uint(h, "examples", what, 1u << 24);
    auto models = h.FindMember("models");
    if (models == h.MemberEnd() || !models->value.IsArray() || models->value.Size() < 2)
        bad(what, "header lists fewer than two models");
    for (const auto& m : models->value.GetArray()) {
        if (!m.IsString()) bad(what, "model names must be strings");
        x.models.emplace_back(m.GetString(), m.GetStringLength());
    }
    const float* p = f.tensor("points", {n, x.dim});
    x.points.assign(p, p + n * x.dim);
    const float* s = f.tensor("scores", {n, x.models.size()});
    x.scores.assign(s, s + n * x.models.size());
    for (float v : x.points)
        if (!std::isfinite(v)) bad(what, "points hold a non-finite value");
    for (float v : x.scores)
        if (!std::isnan(v) && !(v >= 0 && v <= 1)) bad(what, "scores must be in 0..1 or unrated");
    x.make_projection();
    return x;
}

}  // namespace sy_plugins::sw
