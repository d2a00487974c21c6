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

// False for text no parse should be handed: nested deeper than switchyard::kMaxJsonDepth, or
// holding a raw control byte, which JSON never does (switchyard::json_forbidden_byte).
inline bool parseable_json(std::string_view text) {
    return !switchyard::json_too_deep(text) && switchyard::json_forbidden_byte(text) == std::string_view::npos;
}

// Parses text into doc, unless it nests deeper than switchyard::kMaxJsonDepth (doc is then
// null). False when the text is too deep or not JSON (a raw control byte never is).
inline bool parse_json(rapidjson::Document& doc, std::string_view text) {
    if (!parseable_json(text)) {
        doc.SetNull();
        return false;
    }
    // rapidjson scans a NUL-terminated text 16 bytes at a time (RAPIDJSON_SSE2/NEON) but a sized
    // one byte by byte: the copy costs far less than it saves.
    std::string terminated(text);
    doc.Parse(terminated.c_str());
    return !doc.HasParseError();
}

// As parse_json, for a document read where it is: it parses, in place, a copy of the text kept
// in its own allocator, so strings are scanned 16 bytes at a time and never copied again (an
// upstream answer of a kilobyte: about 15,000 instructions fewer). Its strings point into that
// copy, and a value copied into another document would point there too: never use it as the
// source of another document's values.
inline bool parse_json_in_place(rapidjson::Document& doc, std::string_view text) {
    if (!parseable_json(text)) {
        doc.SetNull();
        return false;
    }
    auto* copy = static_cast<char*>(doc.GetAllocator().Malloc(text.size() + 1));
    std::memcpy(copy, text.data(), text.size());
    copy[text.size()] = '\0';
    doc.ParseInsitu(copy);
    return !doc.HasParseError();
}

}  // namespace sy_plugins
