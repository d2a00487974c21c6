// The cap on how deep JSON from outside may nest, checked before it is parsed: rapidjson's
// reader (and every writer, copy or comparison of a document) recurses once per level, so a
// body of a few hundred kilobytes of '[' overflows a thread's stack and takes the process down.
// Applies to client bodies and to JSON found inside answers (tool-call arguments). The count is
// the SDK's (switchyard::json_too_deep), which plugins apply to what upstreams send.
#pragma once

#include <string_view>

#include <switchyard/api_error.hpp>
#include <switchyard/sdk.hpp>

namespace sy {

using switchyard::json_too_deep;
using switchyard::kMaxJsonDepth;

// The 400 (invalid_json) for a client body that nests too deep.
ApiError json_too_deep_error();

}  // namespace sy
