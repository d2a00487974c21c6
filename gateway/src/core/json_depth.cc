#include "core/json_depth.hpp"

#include <string>

namespace sy {

ApiError json_too_deep_error() {
    return ApiError::bad_request(
        "Request body nests arrays and objects deeper than " + std::to_string(kMaxJsonDepth) + " levels", {},
        "invalid_json");
}

}  // namespace sy
