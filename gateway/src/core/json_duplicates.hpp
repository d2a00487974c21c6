// Duplicate member names in a client's JSON. Parsers disagree on them: rapidjson's FindMember
// takes the first, most upstream servers keep the last. A body with {"model": "cheap", ...,
// "model": "expensive"} would be routed, allowed, priced and scanned as one request and answered
// as another; so would a message with two "content" members past the guardrails.
#pragma once

#include <optional>
#include <string>

#include <rapidjson/document.h>

#include <switchyard/api_error.hpp>

namespace sy {

// The first member name found twice in one object, anywhere in the value; nullopt when none.
// Walks the value without recursion.
std::optional<std::string> duplicate_key(const rapidjson::Value& value);

// The 400 (invalid_json) for a client body with a duplicate key, or nullopt.
std::optional<ApiError> duplicate_key_error(const rapidjson::Value& body);

}  // namespace sy
