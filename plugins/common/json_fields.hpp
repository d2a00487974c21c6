// Tolerant reads of JSON fields and compact serialisation, shared by the translating providers:
// a missing or mistyped field reads as "" or -1.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>

namespace sy_plugins {

inline std::string get_str(const rapidjson::Value& o, const char* k) {
    if (!o.IsObject()) return {};
    auto it = o.FindMember(k);
    return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                       : std::string();
}

inline int64_t get_int(const rapidjson::Value& o, const char* k) {
    if (!o.IsObject()) return -1;
    auto it = o.FindMember(k);
    return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : -1;
}

inline std::string to_json(const rapidjson::Value& v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace sy_plugins
