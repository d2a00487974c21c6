// The client span of one upstream attempt, named "chat <upstream model>", with the
// OpenTelemetry GenAI attributes (gen_ai.*) and what became of the attempt.
#pragma once

#include <switchyard/tracing.hpp>

#include "routing/runtime.hpp"
#include "server/provider_call.hpp"

namespace sy::server {

class AttemptSpan {
public:
    // `hop` says why this attempt was made: first, retry, fallback, continuation.
    AttemptSpan(const routing::Deployment& dep, int attempt, const char* hop);
    void finish(const CallOutcome& out);

private:
    tracing::SpanScope span_;
    const routing::Deployment& dep_;
};

}  // namespace sy::server
