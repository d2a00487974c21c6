#include "cache/cache_key.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <vector>

#include "state/key_store.hpp"

namespace sy::cache {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

bool ignored(std::string_view field) {
    return field == "model" || field == "user" || field == "stream" || field == "stream_options" || field == "metadata";
}

// Writes v with every object's members in key order.
void write_canonical(const rapidjson::Value& v, Writer& w, bool top) {
    if (v.IsObject()) {
        std::vector<const rapidjson::Value::Member*> members;
        for (const auto& m : v.GetObject())
            if (!top || !ignored(std::string_view(m.name.GetString(), m.name.GetStringLength()))) members.push_back(&m);
        std::sort(members.begin(), members.end(), [](auto* a, auto* b) {
            return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
                   std::string_view(b->name.GetString(), b->name.GetStringLength());
        });
        w.StartObject();
        for (const auto* m : members) {
            w.Key(m->name.GetString(), m->name.GetStringLength());
            write_canonical(m->value, w, false);
        }
        w.EndObject();
    } else if (v.IsArray()) {
        w.StartArray();
        for (const auto& item : v.GetArray()) write_canonical(item, w, false);
        w.EndArray();
    } else {
        v.Accept(w);
    }
}

}  // namespace

std::optional<CacheKey> cache_key(const ChatRequest& req, std::string_view served_model, std::string_view scope) {
    rapidjson::Document d;
    d.Parse(req.body.data(), req.body.size());
    if (d.HasParseError() || !d.IsObject()) return std::nullopt;
    rapidjson::StringBuffer sb;
    Writer w(sb);
    write_canonical(d, w, true);
    CacheKey out;
    auto t = d.FindMember("temperature");
    out.deterministic = (t != d.MemberEnd() && t->value.IsNumber() && t->value.GetDouble() == 0.0) || d.HasMember("seed");
    std::string material;
    material.reserve(sb.GetSize() + served_model.size() + scope.size() + 2);
    material.append(served_model).append(1, '\n').append(scope).append(1, '\n').append(sb.GetString(), sb.GetSize());
    out.key = state::key_hash(material);
    return out;
}

}  // namespace sy::cache
