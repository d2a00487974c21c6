#include "plugin/guardrail_instance.hpp"

#include <algorithm>

#include "core/secrets.hpp"

namespace sy::plugin {

GuardrailInstance::GuardrailInstance(const sy_guardrail_vtable* vt, void* inst, config::GuardrailConfig cfg,
                                     std::shared_ptr<const void> keepalive)
    : vt_(vt), inst_(inst), config_(std::move(cfg)), keepalive_(std::move(keepalive)) {}

GuardrailInstance::~GuardrailInstance() { vt_->destroy(inst_); }

std::shared_ptr<GuardrailInstance> GuardrailInstance::create(const LoadedPlugin& plugin,
                                                             std::shared_ptr<const void> keepalive,
                                                             const config::GuardrailConfig& cfg, std::string& error,
                                                             const sy_host_api* host) {
    const sy_guardrail_vtable* vt = plugin.guardrail();
    if (!vt) {
        error = "plugin '" + plugin.name() + "' is a " + kind_name(plugin.kind()) + ", not a guardrail";
        return nullptr;
    }
    ErrorBuffer eb;
    void* inst = nullptr;
    const std::string& json = cfg.plugin_config_json;
    if (vt->create(host, json.data(), json.size(), &inst, &eb.err) != SY_OK) {
        error = "guardrail '" + cfg.name + "' (plugin " + plugin.name() + "): " +
                (eb.text[0] ? eb.str() : "create failed");
        return nullptr;
    }
    return std::shared_ptr<GuardrailInstance>(new GuardrailInstance(vt, inst, cfg, std::move(keepalive)));
}

template <typename Call>
GuardrailVerdict GuardrailInstance::run(Call&& call) const {
    GuardrailVerdict v;
    char message[512] = {0};
    char reason[128] = {0};
    sy_guardrail_verdict out{sizeof(sy_guardrail_verdict), SY_GUARDRAIL_ALLOW, 0, 0, message, sizeof message,
                             reason, sizeof reason};
    ErrorBuffer eb;
    if (call(&out, &eb.err) != SY_OK) {
        v.error = eb.text[0] ? eb.str() : "check failed";
        return v;
    }
    message[sizeof message - 1] = '\0';
    reason[sizeof reason - 1] = '\0';
    v.deny = out.action == SY_GUARDRAIL_DENY;  // unknown actions read as allow (enums are append-only)
    if (!v.deny) return v;
    v.http_status = out.http_status == 0 ? 400 : std::clamp(out.http_status, 400, 599);
    v.message = message[0] ? secrets::scrubbed(message) : "denied";
    v.reason = reason;
    return v;
}

GuardrailVerdict GuardrailInstance::check_request(const sy_request_view& view) const {
    return run([&](sy_guardrail_verdict* out, sy_error* err) { return vt_->check_request(inst_, &view, out, err); });
}

GuardrailVerdict GuardrailInstance::check_response(const sy_guardrail_response& response) const {
    return run(
        [&](sy_guardrail_verdict* out, sy_error* err) { return vt_->check_response(inst_, &response, out, err); });
}

}  // namespace sy::plugin
