// What the client gets for an upstream's error, shared by the remote providers: the status and
// OpenAI error type for an upstream status, and the message of an OpenAI- or Anthropic-shaped
// error body ({"error": {"message": ...}}, or {"error": "..."}).
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <utility>

namespace sy_plugins {

inline std::pair<int, const char*> map_upstream_error(int status) {
    switch (status) {
        case 400: case 413: case 422: return {status, "invalid_request_error"};
        case 401: case 403: return {502, "upstream_auth_error"};
        case 408: return {504, "upstream_error"};
        case 429: return {429, "rate_limit_error"};
        case 502: case 503: case 504: return {status, "upstream_error"};
        case 529: return {503, "upstream_error"};  // Anthropic: overloaded
        default: return {502, "upstream_error"};
    }
}

inline std::string upstream_error_message(const rapidjson::Value& doc) {
    if (!doc.IsObject()) return {};
    auto err = doc.FindMember("error");
    if (err == doc.MemberEnd()) return {};
    if (err->value.IsString()) return {err->value.GetString(), err->value.GetStringLength()};
    if (!err->value.IsObject()) return {};
    auto msg = err->value.FindMember("message");
    return msg != err->value.MemberEnd() && msg->value.IsString()
               ? std::string(msg->value.GetString(), msg->value.GetStringLength())
               : std::string();
}

// True when an error body says a content filter refused the request: OpenAI's
// content_policy_violation or Azure OpenAI's content_filter code. Providers report these with the
// error type "content_filter", which the host may answer by falling back to another model.
inline bool is_content_filter_error(const rapidjson::Value& doc) {
    if (!doc.IsObject()) return false;
    auto err = doc.FindMember("error");
    if (err == doc.MemberEnd() || !err->value.IsObject()) return false;
    auto code = err->value.FindMember("code");
    if (code == err->value.MemberEnd() || !code->value.IsString()) return false;
    std::string_view c(code->value.GetString(), code->value.GetStringLength());
    return c == "content_filter" || c == "content_policy_violation";
}

}  // namespace sy_plugins
