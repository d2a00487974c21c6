// The configured guardrails of one config generation and the way one request is checked: every
// guardrail of the stage runs in parallel on a bounded worker pool, and the caller waits for each
// at most its timeout_ms. A check that times out or fails (a status, an exception caught at the
// SDK boundary, a full queue) is decided by its on_error: allow (fail-open) or deny (fail-closed).
// A check the caller stopped waiting for keeps running on a copy of its inputs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <switchyard/chat_request.hpp>
#include <switchyard/config.hpp>

#include "core/worker_pool.hpp"
#include "plugin/guardrail_instance.hpp"
#include "plugin/plugin_registry.hpp"

namespace sy::plugin {

enum class GuardStage { request, response };
const char* stage_name(GuardStage stage);

// What one check came to (the `verdict` label of switchyard_guardrail_checks_total).
enum class CheckVerdict { allow, deny, timeout, error };
const char* verdict_name(CheckVerdict verdict);

struct GuardrailCheck {
    const GuardrailInstance* guardrail = nullptr;
    CheckVerdict verdict = CheckVerdict::allow;
    GuardrailVerdict detail;   // the plugin's message and reason, or the error
    int64_t duration_ns = 0;   // from submission to the answer (or to the timeout)
    // A deny, or a timeout or error under on_error: deny.
    bool denies() const;
};

struct GuardrailRun {
    std::vector<GuardrailCheck> checks;  // the checks decided, in configuration order
    // The check that denies the request (the first in configuration order), or null.
    const GuardrailCheck* denial() const;
};

// The answer a response check reads.
struct AnswerToCheck {
    std::string model;
    std::string text;
    std::string json;        // chat.completion; empty for a stream
    bool streamed = false;
};

class GuardrailSet {
public:
    // Creates every instance of cfg.guardrails; nullptr with an error naming `guardrails[i]`.
    static std::unique_ptr<GuardrailSet> build(const config::Config& cfg, const PluginRegistry& registry,
                                               std::shared_ptr<const void> keepalive, const sy_host_api* host,
                                               std::string& error);
    // `threads` workers, at most `max_queued` checks waiting for one.
    GuardrailSet(std::vector<std::shared_ptr<GuardrailInstance>> guardrails, size_t threads, size_t max_queued);

    bool checks_requests() const;
    bool checks_responses() const;
    // Runs the request checks (none configured: an empty run).
    GuardrailRun check_request(const ChatRequest& req, const std::string& request_id) const;
    GuardrailRun check_response(const ChatRequest& req, const std::string& request_id, AnswerToCheck answer) const;

private:
    struct Input;
    GuardrailRun run(GuardStage stage, std::shared_ptr<const Input> input) const;

    std::vector<std::shared_ptr<GuardrailInstance>> guardrails_;
    std::unique_ptr<WorkerPool> pool_;
};

}  // namespace sy::plugin
