#include "server/upstream_failure.hpp"

#include "core/secrets.hpp"

namespace sy::server {
namespace {

// An upstream's Retry-After goes to the client only as delta-seconds (digits): anything else
// (an HTTP date, or text a hostile upstream put there) becomes 1.
std::string relayed_retry_after(const std::string& upstream) {
    bool digits = !upstream.empty() && upstream.size() <= 6 &&
                  upstream.find_first_not_of("0123456789") == std::string::npos;
    return digits ? upstream : "1";
}

}  // namespace

ApiError upstream_failure(const upstream::ExchangeError& err, const std::string& provider) {
    std::string message = "provider '" + provider + "': " + secrets::scrubbed(err.message);
    switch (err.kind) {
        case upstream::ExchangeFailure::tls: return ApiError::upstream(502, std::move(message), "upstream_tls_error");
        case upstream::ExchangeFailure::redirect: return ApiError::upstream(502, std::move(message), "upstream_redirect");
        case upstream::ExchangeFailure::io: break;
    }
    if (err.status == upstream::IoStatus::timeout) return ApiError::upstream(504, std::move(message), "upstream_timeout");
    return ApiError::upstream(502, std::move(message), "upstream_unavailable");
}

ApiError upstream_answer_error(const sy_response_writer& w, const std::string& retry_after) {
    ApiError e;
    e.status = w.error_status;
    e.type = w.error_type.empty() ? "upstream_error" : w.error_type;
    e.code = e.status == 429 ? "rate_limit_exceeded" : "upstream_error";
    if (e.type == "content_filter") {  // a provider's content filter refused the request
        e.type = "invalid_request_error";
        e.code = "content_filter";
    }
    e.message = w.error_message.empty() ? "upstream error" : w.error_message;
    if (e.status == 429 || e.status == 503) e.retry_after = relayed_retry_after(retry_after);
    return e;
}

}  // namespace sy::server
