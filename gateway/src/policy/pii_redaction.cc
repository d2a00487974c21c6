#include "policy/pii_redaction.hpp"

#include "core/json_out.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sy::policy {
namespace {

bool placeholder_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

// Redacts one JSON string value in place; true when it changed.
bool redact_value(rapidjson::Value& v, rapidjson::Document::AllocatorType& alloc, uint32_t kinds,
                  PiiPlaceholders& placeholders, uint32_t& redacted) {
    if (!v.IsString()) return false;
    std::string out;
    uint32_t done = redact_with_placeholders(std::string_view(v.GetString(), v.GetStringLength()), kinds,
                                             placeholders, out);
    if (!done) return false;
    redacted |= done;
    v.SetString(out.data(), static_cast<rapidjson::SizeType>(out.size()), alloc);
    return true;
}

}  // namespace

const std::string& PiiPlaceholders::placeholder(PiiKind kind, std::string_view value) {
    std::string key(1, static_cast<char>(kind));
    key.append(value);
    auto it = placeholders_.find(key);
    if (it != placeholders_.end()) return it->second;
    std::string name = "[";
    for (const char* c = pii_kind_name(kind); *c; ++c) name += static_cast<char>(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    name.append("_").append(std::to_string(++counts_[static_cast<size_t>(kind)])).append("]");
    longest_ = std::max(longest_, name.size());
    values_.emplace(name, std::string(value));
    return placeholders_.emplace(std::move(key), std::move(name)).first->second;
}

std::string PiiPlaceholders::restore(std::string_view text, bool json_escape) const {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    for (size_t open = text.find('['); open != std::string_view::npos; open = text.find('[', open + 1)) {
        size_t close = open + 1;
        while (close < text.size() && close - open < longest_ && placeholder_char(text[close])) ++close;
        if (close >= text.size() || text[close] != ']') continue;
        auto it = values_.find(std::string(text.substr(open, close + 1 - open)));
        if (it == values_.end()) continue;
        out.append(text.substr(pos, open - pos));
        if (json_escape) append_json_escaped(out, it->second);
        else out.append(it->second);
        pos = close + 1;
        open = close;
    }
    out.append(text.substr(pos));
    return out;
}

size_t PiiPlaceholders::incomplete_suffix(std::string_view text) const {
    if (values_.empty()) return 0;
    size_t open = text.rfind('[');
    if (open == std::string_view::npos || text.size() - open >= longest_) return 0;
    for (size_t i = open + 1; i < text.size(); ++i)
        if (!placeholder_char(text[i])) return 0;
    return text.size() - open;
}

uint32_t redact_with_placeholders(std::string_view text, uint32_t kinds, PiiPlaceholders& placeholders,
                                  std::string& out) {
    uint32_t done = 0;
    size_t pos = 0;
    for (const PiiMatch& m : find_pii(text)) {
        const uint32_t bit = 1u << static_cast<unsigned>(m.kind);
        if (!(kinds & bit) || m.begin < pos) continue;  // not to redact, or inside one already replaced
        out.append(text.substr(pos, m.begin - pos));
        out.append(placeholders.placeholder(m.kind, text.substr(m.begin, m.end - m.begin)));
        pos = m.end;
        done |= bit;
    }
    out.append(text.substr(std::min(pos, text.size())));
    return done;
}

bool redact_chat_body(std::string& body, uint32_t kinds, PiiPlaceholders& placeholders, uint32_t* redacted) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return false;
    auto messages = doc.FindMember("messages");
    if (messages == doc.MemberEnd() || !messages->value.IsArray()) return false;
    auto& alloc = doc.GetAllocator();
    uint32_t done = 0;
    bool changed = false;
    for (auto& msg : messages->value.GetArray()) {
        if (!msg.IsObject()) continue;
        auto content = msg.FindMember("content");
        if (content == msg.MemberEnd()) continue;
        if (content->value.IsString()) {
            changed |= redact_value(content->value, alloc, kinds, placeholders, done);
            continue;
        }
        if (!content->value.IsArray()) continue;
        for (auto& part : content->value.GetArray()) {
            if (!part.IsObject()) continue;
            auto text = part.FindMember("text");
            if (text != part.MemberEnd()) changed |= redact_value(text->value, alloc, kinds, placeholders, done);
        }
    }
    if (redacted) *redacted = done;
    if (!changed) return true;
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    doc.Accept(w);
    body.assign(sb.GetString(), sb.GetSize());
    return true;
}

}  // namespace sy::policy
