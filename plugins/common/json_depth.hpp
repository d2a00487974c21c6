// Parsing JSON from outside (upstream answers, stream events, tool-call arguments) under the
// SDK's nesting cap (switchyard::json_too_deep): rapidjson's reader, and every writer or copy of
// a document, recurses once per level.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

#include <switchyard/sdk.hpp>

namespace sy_plugins {

// Parses text into doc, unless it nests deeper than switchyard::kMaxJsonDepth (doc is then
// null). False when the text is too deep or not JSON.
inline bool parse_json(rapidjson::Document& doc, std::string_view text) {
    if (switchyard::json_too_deep(text)) {
        doc.SetNull();
        return false;
    }
    doc.Parse(text.data(), text.size());
    return !doc.HasParseError();
}

}  // namespace sy_plugins
