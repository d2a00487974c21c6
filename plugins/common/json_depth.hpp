// Parsing JSON from outside (upstream answers, stream events, tool-call arguments) under the
// SDK's nesting cap (switchyard::json_too_deep): rapidjson's reader, and every writer or copy of
// a document, recurses once per level.
#pragma once

#include <cstring>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include <switchyard/sdk.hpp>

namespace sy_plugins {

// Parses text into doc, unless it nests deeper than switchyard::kMaxJsonDepth (doc is then
// null). False when the text is too deep or not JSON (a NUL byte never is).
inline bool parse_json(rapidjson::Document& doc, std::string_view text) {
    if (switchyard::json_too_deep(text) || std::memchr(text.data(), '\0', text.size())) {
        doc.SetNull();
        return false;
    }
    // rapidjson scans a NUL-terminated text 16 bytes at a time (RAPIDJSON_SSE2/NEON) but a sized
    // one byte by byte: the copy costs far less than it saves.
    std::string terminated(text);
    doc.Parse(terminated.c_str());
    return !doc.HasParseError();
}

}  // namespace sy_plugins
