// The client's error for an upstream exchange that failed before an answer could be read.
#pragma once

#include <string>

#include <switchyard/api_error.hpp>

#include "plugin/host_api.hpp"
#include "upstream/http_exchange.hpp"

namespace sy::server {

// 504 upstream_timeout, 502 upstream_tls_error (handshake: the message says why), 502
// upstream_redirect (a 3xx, not followed), else 502 upstream_unavailable. The message is
// scrubbed of secrets.
ApiError upstream_failure(const upstream::ExchangeError& err, const std::string& provider);

// The error a provider plugin translated from the upstream's answer (w.error_status is set):
// 429 is rate_limit_exceeded, a content filter's refusal content_filter, else upstream_error;
// Retry-After is relayed only as delta-seconds. (The message was scrubbed of secrets when the
// plugin wrote it: plugin/host_api.cc.)
ApiError upstream_answer_error(const sy_response_writer& w, const std::string& retry_after);

}  // namespace sy::server
