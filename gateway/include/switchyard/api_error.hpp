// An error answered to the client in the OpenAI error format. Errors are values on the request
// path: code returns them, it does not throw them.
#pragma once

#include <string>
#include <string_view>

namespace sy {

struct ApiError {
    int status = 500;           // HTTP status
    std::string type;           // OpenAI error type, e.g. invalid_request_error
    std::string code;           // short machine code, e.g. model_not_found (may be empty)
    std::string message;        // human message
    std::string param;          // offending request field (may be empty)
    std::string retry_after;    // Retry-After seconds for 429/503 (may be empty)

    static ApiError bad_request(std::string message, std::string param = {},
                                std::string code = "invalid_request");
    static ApiError not_found_model(std::string_view model);
    static ApiError unauthorized(std::string message);
    static ApiError payload_too_large(long long limit);
    static ApiError internal(std::string message);
    static ApiError upstream(int status, std::string message, std::string code = "upstream_error");

    // {"error": {"message", "type", "code", "param"}}
    std::string to_json() const;
};

}  // namespace sy
