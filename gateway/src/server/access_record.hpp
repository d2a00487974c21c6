// The access-log line of one chat request, written when the handler returns (whatever path it
// took: answered, refused, failed). Holds pointers to what the handler learned so far; the
// line never contains a key, a prompt or an answer.
#pragma once

#include <switchyard/tracing.hpp>

#include <cstdint>
#include <string>

#include <Poco/Net/HTTPServerResponse.h>

#include <switchyard/chat_request.hpp>

#include "server/admission.hpp"
#include "server/provider_call.hpp"

namespace sy {
class JsonOut;
}

namespace sy::server {

// Now, as the access log writes it: 2024-05-01T12:00:00.123Z.
std::string utc_now();

class AccessRecord {
public:
    AccessRecord(Gateway& g, const Poco::Net::HTTPServerResponse& resp, const std::string& request_id,
                 int64_t started_ns)
        : g_(g), resp_(resp), request_id_(request_id), started_ns_(started_ns) {}
    ~AccessRecord();
    AccessRecord(const AccessRecord&) = delete;
    AccessRecord& operator=(const AccessRecord&) = delete;

    const state::KeyPtr* key = nullptr;
    const ChatRequest* chat = nullptr;
    const routing::RouteDecision* decision = nullptr;
    const CallOutcome* outcome = nullptr;
    Usage usage;
    int64_t cost_nano = -1;     // -1: the model has no prices
    int64_t overhead_ns = -1;
    tracing::Trace* span_trace = nullptr;  // the OpenTelemetry trace of a sampled request
    std::string_view path;                 // the request path, for its root span
    const std::string* answer = nullptr;   // the answer's text (telemetry.access_log.prompts)
    const std::string* pii = nullptr;      // kinds of personal data found and their actions ("email:redact")
    std::string_view baseline_model;       // the route's savings baseline (server/savings.hpp), "" when none
    int64_t cost_baseline_nano = -1;       // what the answer would have cost on it; -1: unknown or unpriced

private:
    void finish_span_trace() const;
    void write_fields(JsonOut& w) const;  // the log line's fields, inside its object
    std::string prompt_fields() const;  // ,"messages":[...],"answer":...,"redacted":[...] or ""
    Gateway& g_;
    const Poco::Net::HTTPServerResponse& resp_;
    const std::string& request_id_;
    int64_t started_ns_;
};

}  // namespace sy::server
