#include "mock_embeddings.hpp"

#include "common/base64.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace sy_plugins::mock {
namespace {

using switchyard::Error;

// The inputs as texts: a string, strings, or token arrays (embedded as their numbers).
std::vector<std::string> inputs_of(const rapidjson::Value& input) {
    auto tokens = [](const rapidjson::Value& arr) {
        std::string t;
        for (const auto& x : arr.GetArray()) {
            if (!x.IsInt64()) throw Error("input token arrays must hold integers", SY_ERR_BAD_REQUEST);
            t.append(std::to_string(x.GetInt64())).push_back(' ');
        }
        return t;
    };
    if (input.IsString()) return {input.GetString()};
    if (!input.IsArray() || input.Empty()) throw Error("input must be a string or a non-empty array", SY_ERR_BAD_REQUEST);
    if (input[0].IsInt64()) return {tokens(input)};
    std::vector<std::string> out;
    for (const auto& x : input.GetArray()) {
        if (x.IsString()) out.emplace_back(x.GetString(), x.GetStringLength());
        else if (x.IsArray()) out.push_back(tokens(x));
        else throw Error("input array items must be strings or token arrays", SY_ERR_BAD_REQUEST);
    }
    return out;
}

}  // namespace

std::string embeddings_json(const switchyard::Host& host, const switchyard::EmbeddingsRequest& request,
                            std::string_view model_label) {
    rapidjson::Document d;
    d.Parse(request.body_json().data(), request.body_json().size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("input")) throw Error("request has no input", SY_ERR_BAD_REQUEST);
    std::vector<std::string> texts = inputs_of(d["input"]);
    bool as_base64 = d.HasMember("encoding_format") && d["encoding_format"].IsString() &&
                     std::string_view(d["encoding_format"].GetString()) == "base64";
    size_t dims = 0;
    if (d.HasMember("dimensions")) {
        if (!d["dimensions"].IsUint() || d["dimensions"].GetUint() == 0)
            throw Error("dimensions must be a positive integer", SY_ERR_BAD_REQUEST);
        dims = d["dimensions"].GetUint();
    }
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("object");
    w.String("list");
    w.Key("data");
    w.StartArray();
    std::vector<float> v;
    for (size_t i = 0; i < texts.size(); ++i) {
        host.embed("", texts[i], v);
        if (dims && dims < v.size()) {
            // Fold the hashed buckets onto `dimensions` (a smaller hash), then renormalise.
            std::vector<float> folded(dims, 0.0f);
            for (size_t j = 0; j < v.size(); ++j) folded[j % dims] += v[j];
            v.swap(folded);
            double n = 0;
            for (float x : v) n += static_cast<double>(x) * x;
            if (n > 0)
                for (float& x : v) x = static_cast<float>(x / std::sqrt(n));
        }
        w.StartObject();
        w.Key("object");
        w.String("embedding");
        w.Key("index");
        w.Uint64(i);
        w.Key("embedding");
        if (as_base64) {
            std::string b = base64_floats(v);
            w.String(b.c_str(), static_cast<rapidjson::SizeType>(b.size()));
        } else {
            w.StartArray();
            for (float x : v) w.Double(static_cast<double>(x));
            w.EndArray();
        }
        w.EndObject();
    }
    w.EndArray();
    w.Key("model");
    w.String(model_label.data(), static_cast<rapidjson::SizeType>(model_label.size()));
    w.Key("usage");
    w.StartObject();
    w.Key("prompt_tokens");
    w.Int64(request.input_tokens());
    w.Key("total_tokens");
    w.Int64(request.input_tokens());
    w.EndObject();
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace sy_plugins::mock
