// A live instance of a guardrail plugin and its two checks through the C boundary.
#pragma once

#include <memory>
#include <string>

#include <switchyard/config.hpp>
#include <switchyard/plugin.h>

#include "plugin/host_api.hpp"
#include "plugin/plugin_loader.hpp"

namespace sy::plugin {

struct GuardrailVerdict {
    bool deny = false;
    int http_status = 400;  // deny: the plugin's hint, clamped to 400..599
    std::string message;    // deny: for the client
    std::string reason;     // short note for logs and the route header
    std::string error;      // the check failed (status other than SY_OK); on_error decides
};

class GuardrailInstance {
public:
    // Returns nullptr and sets error when the plugin is not a guardrail or its create fails.
    // `keepalive` holds the plugin's shared object open while the instance lives: a check the
    // host stopped waiting for may still be running when its config generation is retired.
    static std::shared_ptr<GuardrailInstance> create(const LoadedPlugin& plugin, std::shared_ptr<const void> keepalive,
                                                     const config::GuardrailConfig& cfg, std::string& error,
                                                     const sy_host_api* host = host_api());
    ~GuardrailInstance();
    GuardrailInstance(const GuardrailInstance&) = delete;
    GuardrailInstance& operator=(const GuardrailInstance&) = delete;

    const config::GuardrailConfig& config() const { return config_; }
    // The stages that run: configured (`on`) and offered by the plugin.
    bool checks_requests() const { return config_.on_request && vt_->check_request; }
    bool checks_responses() const { return config_.on_response && vt_->check_response; }
    GuardrailVerdict check_request(const sy_request_view& view) const;
    GuardrailVerdict check_response(const sy_guardrail_response& response) const;

private:
    GuardrailInstance(const sy_guardrail_vtable* vt, void* inst, config::GuardrailConfig cfg,
                      std::shared_ptr<const void> keepalive);
    template <typename Call>
    GuardrailVerdict run(Call&& call) const;

    const sy_guardrail_vtable* vt_;
    void* inst_;
    config::GuardrailConfig config_;
    std::shared_ptr<const void> keepalive_;  // released after destroy (members go after the body)
};

}  // namespace sy::plugin
