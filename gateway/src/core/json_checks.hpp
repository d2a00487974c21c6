// Checks on a client's JSON, after it parsed, for what parsers disagree on or cannot write back:
// - a member name twice in one object: rapidjson's FindMember takes the first, most upstream
//   servers keep the last, so {"model": "cheap", ..., "model": "expensive"} would be routed,
//   allowed, priced and scanned as one request and answered as another;
// - a number beyond double's range (1e309): rapidjson reads it as infinity, and its writer then
//   stops at it, so the body forwarded upstream (re-written to clamp max_tokens or set the
//   model) would be cut short.
#pragma once

#include <optional>
#include <string>

#include <rapidjson/document.h>

#include <switchyard/api_error.hpp>

namespace sy {

// The 400 (invalid_json) for a client body with a duplicate key or a number out of range, or
// nullopt. Walks the value without recursion.
std::optional<ApiError> client_json_error(const rapidjson::Value& body);

}  // namespace sy
