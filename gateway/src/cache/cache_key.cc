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

std::string_view name_of(const rapidjson::Value::Member& m) {
    return {m.name.GetString(), m.name.GetStringLength()};
}

// Writes v with every object's members in key order. `drop_last_message` leaves the last element
// of the top-level `messages` out (the semantic bucket: that turn is compared by meaning).
void write_canonical(const rapidjson::Value& v, Writer& w, bool top, bool drop_last_message = false) {
    if (v.IsObject()) {
        std::vector<const rapidjson::Value::Member*> members;
        for (const auto& m : v.GetObject())
            if (!top || !ignored(name_of(m))) members.push_back(&m);
        std::sort(members.begin(), members.end(), [](auto* a, auto* b) { return name_of(*a) < name_of(*b); });
        w.StartObject();
        for (const auto* m : members) {
            w.Key(m->name.GetString(), m->name.GetStringLength());
            if (top && drop_last_message && name_of(*m) == "messages" && m->value.IsArray()) {
                w.StartArray();
                auto items = m->value.GetArray();
                for (rapidjson::SizeType i = 0; i + 1 < items.Size(); ++i) write_canonical(items[i], w, false);
                w.EndArray();
            } else {
                write_canonical(m->value, w, false);
            }
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

bool parse_object(const ChatRequest& req, rapidjson::Document& d) {
    d.Parse(req.body.data(), req.body.size());
    return !d.HasParseError() && d.IsObject();
}

// temperature 0 or a seed: the same request gets the same answer.
bool deterministic(const rapidjson::Document& d) {
    auto t = d.FindMember("temperature");
    return (t != d.MemberEnd() && t->value.IsNumber() && t->value.GetDouble() == 0.0) || d.HasMember("seed");
}

// SHA-256 of the parts, one per line, then the canonical body.
std::string hash_of(std::initializer_list<std::string_view> parts, const rapidjson::Document& d, bool drop_last_message) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    write_canonical(d, w, true, drop_last_message);
    std::string material;
    material.reserve(sb.GetSize() + 128);
    for (std::string_view p : parts) material.append(p).append(1, '\n');
    material.append(sb.GetString(), sb.GetSize());
    return state::key_hash(material);
}

// The text of a user message made of text only: string content, or text parts joined by '\n'.
std::optional<std::string> user_text(const rapidjson::Value& msg) {
    if (!msg.IsObject()) return std::nullopt;
    auto role = msg.FindMember("role");
    auto content = msg.FindMember("content");
    if (role == msg.MemberEnd() || !role->value.IsString() || std::string_view(role->value.GetString()) != "user" ||
        content == msg.MemberEnd())
        return std::nullopt;
    if (content->value.IsString()) return std::string(content->value.GetString(), content->value.GetStringLength());
    if (!content->value.IsArray() || content->value.Empty()) return std::nullopt;
    std::string text;
    for (const auto& part : content->value.GetArray()) {
        if (!part.IsObject() || !part.HasMember("type") || !part["type"].IsString() ||
            std::string_view(part["type"].GetString()) != "text" || !part.HasMember("text") || !part["text"].IsString())
            return std::nullopt;  // an image or a file: its meaning is not in the text
        if (!text.empty()) text += '\n';
        text.append(part["text"].GetString(), part["text"].GetStringLength());
    }
    return text;
}

}  // namespace

std::optional<CacheKey> cache_key(const ChatRequest& req, std::string_view served_model, std::string_view scope) {
    rapidjson::Document d;
    if (!parse_object(req, d)) return std::nullopt;
    return CacheKey{hash_of({served_model, scope}, d, false), deterministic(d)};
}

std::optional<SemanticKey> semantic_key(const ChatRequest& req, std::string_view served_model, std::string_view scope,
                                        std::string_view embedder_id) {
    rapidjson::Document d;
    if (!parse_object(req, d)) return std::nullopt;
    auto messages = d.FindMember("messages");
    if (messages == d.MemberEnd() || !messages->value.IsArray() || messages->value.Empty()) return std::nullopt;
    std::optional<std::string> text = user_text(messages->value[messages->value.Size() - 1]);
    if (!text) return std::nullopt;
    return SemanticKey{hash_of({served_model, scope, "semantic", embedder_id}, d, true), std::move(*text),
                       deterministic(d)};
}

}  // namespace sy::cache
