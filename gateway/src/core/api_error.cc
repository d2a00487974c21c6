#include <switchyard/api_error.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sy {

ApiError ApiError::bad_request(std::string message, std::string param, std::string code) {
    return {400, "invalid_request_error", std::move(code), std::move(message), std::move(param), {}};
}

ApiError ApiError::not_found_model(std::string_view model) {
    std::string msg = "The model '";
    msg.append(model).append("' does not exist; GET /v1/models lists the models served here");
    return {404, "invalid_request_error", "model_not_found", std::move(msg), "model", {}};
}

ApiError ApiError::unauthorized(std::string message) {
    return {401, "authentication_error", "invalid_api_key", std::move(message), {}, {}};
}

ApiError ApiError::payload_too_large(long long limit) {
    return {413, "invalid_request_error", "request_too_large",
            "Request body exceeds the limit of " + std::to_string(limit) + " bytes", {}, {}};
}

ApiError ApiError::internal(std::string message) {
    return {500, "server_error", "internal_error", std::move(message), {}, {}};
}

ApiError ApiError::upstream(int status, std::string message, std::string code) {
    return {status, "upstream_error", std::move(code), std::move(message), {}, {}};
}

std::string ApiError::to_json() const {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    auto str_or_null = [&w](const std::string& s) {
        if (s.empty()) w.Null();
        else w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    };
    w.StartObject();
    w.Key("error");
    w.StartObject();
    w.Key("message");
    w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
    w.Key("type");
    w.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
    w.Key("code");
    str_or_null(code);
    w.Key("param");
    str_or_null(param);
    w.EndObject();
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace sy
