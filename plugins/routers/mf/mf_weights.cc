#include "mf_weights.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/weights_file.hpp"

namespace sy_plugins::mf {
namespace {

constexpr const char* kRouterKind = "mf";

void shape(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* name, std::initializer_list<size_t> dims) {
    w.StartObject();
    w.Key("name");
    w.String(name);
    w.Key("shape");
    w.StartArray();
    for (size_t d : dims) w.Uint64(d);
    w.EndArray();
    w.EndObject();
}

[[noreturn]] void bad(std::string_view what, const std::string& why) {
    throw switchyard::Error(std::string(what) + ": " + why, SY_ERR_CONFIG);
}

size_t uint_field(const rapidjson::Value& h, const char* key, std::string_view what) {
    auto it = h.FindMember(key);
    if (it == h.MemberEnd() || !it->value.IsUint64() || it->value.GetUint64() == 0 ||
        it->value.GetUint64() > (1u << 20))
        bad(what, std::string("header field '") + key + "' missing or out of range");
    return static_cast<size_t>(it->value.GetUint64());
}

}  // namespace

std::string encode_model(const MfModel& m, const TrainingSummary& s) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("router");
    w.String(kRouterKind);
    w.Key("embedder");
    w.String(s.embedder.c_str());
    w.Key("dim");
    w.Uint64(m.dim);
    w.Key("k");
    w.Uint64(m.k);
    w.Key("models");
    w.StartArray();
    for (const auto& name : m.models) w.String(name.c_str());
    w.EndArray();
    w.Key("tensors");
    w.StartArray();
    shape(w, "Wt", {m.dim, m.k});
    shape(w, "V", {m.models.size(), m.k});
    shape(w, "w", {m.k});
    shape(w, "b", {m.models.size()});
    w.EndArray();
    w.Key("training");
    w.StartObject();
    for (auto [key, value] : {std::pair<const char*, size_t>{"examples", s.examples}, {"validation", s.validation},
                              {"seed", static_cast<size_t>(s.seed)}, {"epochs", s.epochs}, {"best_epoch", s.best_epoch}}) {
        w.Key(key);
        w.Uint64(value);
    }
    for (auto [key, value] : {std::pair<const char*, double>{"train_loss", s.train_loss}, {"validation_loss", s.validation_loss}}) {
        w.Key(key);
        w.Double(value);
    }
    w.EndObject();
    w.EndObject();
    std::vector<float> data;
    data.reserve(m.wt.size() + m.v.size() + m.w.size() + m.b.size());
    for (const auto* t : {&m.wt, &m.v, &m.w, &m.b}) data.insert(data.end(), t->begin(), t->end());
    return encode_weights(std::string_view(buf.GetString(), buf.GetSize()), data);
}

MfModel decode_model(std::string_view bytes, std::string_view what, std::string& embedder) {
    WeightsFile f = decode_weights(bytes, what);
    const auto& h = f.header;
    auto kind = h.FindMember("router");
    if (kind == h.MemberEnd() || !kind->value.IsString() || std::string_view(kind->value.GetString()) != kRouterKind)
        bad(what, "weights are not for the mf router");
    auto emb = h.FindMember("embedder");
    if (emb == h.MemberEnd() || !emb->value.IsString()) bad(what, "header names no embedder");
    embedder = emb->value.GetString();
    MfModel m;
    m.dim = uint_field(h, "dim", what);
    m.k = uint_field(h, "k", what);
    auto models = h.FindMember("models");
    if (models == h.MemberEnd() || !models->value.IsArray() || models->value.Empty())
        bad(what, "header lists no models");
    for (const auto& name : models->value.GetArray()) {
        if (!name.IsString()) bad(what, "model names must be strings");
        m.models.emplace_back(name.GetString(), name.GetStringLength());
    }
    const size_t n = m.models.size();
    auto copy = [&](const char* name, std::vector<size_t> shape, std::vector<float>& out) {
        const float* p = f.tensor(name, shape);
        size_t count = 1;
        for (size_t d : shape) count *= d;
        out.assign(p, p + count);
    };
    copy("Wt", {m.dim, m.k}, m.wt);
    copy("V", {n, m.k}, m.v);
    copy("w", {m.k}, m.w);
    copy("b", {n}, m.b);
    for (const auto* t : {&m.wt, &m.v, &m.w, &m.b})
        for (float x : *t)
            if (!std::isfinite(x)) bad(what, "weights hold a non-finite value");
    m.normalise();
    return m;
}

}  // namespace sy_plugins::mf
