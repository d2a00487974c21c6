#include "plugin/instances.hpp"

#include <cmath>
#include <cstddef>

namespace sy::plugin {

sy_request_view make_request_view(const ChatRequest& req, const std::string& request_id) {
    sy_request_view v{};
    v.struct_size = sizeof v;
    v.body_json = to_sy_str(req.body);
    v.model = to_sy_str(req.model);
    v.last_user_text = to_sy_str(req.last_user_text);
    v.system_text = to_sy_str(req.system_text);
    v.user = to_sy_str(req.user);
    v.request_id = to_sy_str(request_id);
    v.prompt_tokens = req.prompt_tokens;
    v.max_tokens = req.max_tokens;
    v.stream = req.stream ? 1 : 0;
    v.message_count = req.message_count;
    v.has_tools = req.has_tools ? 1 : 0;
    return v;
}

RouterInstance::RouterInstance(const sy_router_vtable* vt, uint32_t vt_size, void* inst, config::RouterConfig cfg,
                               std::string plugin)
    : vt_(vt), vt_size_(vt_size), inst_(inst), config_(std::move(cfg)), plugin_name_(std::move(plugin)) {}

RouterInstance::~RouterInstance() { vt_->destroy(inst_); }

std::unique_ptr<RouterInstance> RouterInstance::create(const LoadedPlugin& plugin, const config::RouterConfig& cfg,
                                                       std::string& error, const sy_host_api* host) {
    const sy_router_vtable* vt = plugin.router();
    if (!vt) {
        error = "plugin '" + plugin.name() + "' is a " + kind_name(plugin.kind()) + ", not a router";
        return nullptr;
    }
    ErrorBuffer eb;
    void* inst = nullptr;
    const std::string& json = cfg.plugin_config_json;
    if (vt->create(host, json.data(), json.size(), &inst, &eb.err) != SY_OK) {
        error = "router '" + cfg.name + "' (plugin " + plugin.name() + "): " +
                (eb.text[0] ? eb.str() : "create failed");
        return nullptr;
    }
    return std::unique_ptr<RouterInstance>(
        new RouterInstance(vt, plugin.descriptor().vtable_size, inst, cfg, plugin.name()));
}

RouteResult RouterInstance::route(const sy_request_view& view, const std::vector<sy_candidate>& candidates,
                                  double threshold) const {
    RouteResult result;
    char memo[128] = {0};
    sy_route_params params{sizeof(sy_route_params), threshold, memo, sizeof memo};
    sy_choice choices[16];
    size_t cap = std::min<size_t>(16, candidates.size());
    size_t n = 0;
    char reason[256] = {0};
    ErrorBuffer eb;
    sy_status st = vt_->route(inst_, &view, candidates.data(), candidates.size(), &params, choices, cap,
                              &n, reason, sizeof reason, &eb.err);
    if (st != SY_OK) {
        result.error = eb.text[0] ? eb.str() : "router failed";
        return result;
    }
    reason[sizeof reason - 1] = '\0';
    memo[sizeof memo - 1] = '\0';
    result.reason = reason;
    result.memo = memo;
    for (size_t i = 0; i < std::min(n, cap); ++i) {
        if (choices[i].candidate_index >= candidates.size()) {
            result.error = "router returned candidate index " + std::to_string(choices[i].candidate_index) +
                           " of " + std::to_string(candidates.size());
            result.choices.clear();
            return result;
        }
        result.choices.push_back({choices[i].candidate_index, choices[i].score});
    }
    if (result.choices.empty()) result.error = "router returned no choice";
    return result;
}

ScoreResult RouterInstance::score(const sy_request_view& view, const std::vector<sy_candidate>& candidates) const {
    ScoreResult result;
    if (vt_size_ < offsetof(sy_router_vtable, score) + sizeof(void*) || !vt_->score) {
        result.supported = false;
        return result;
    }
    result.quality.assign(candidates.size(), 0.0);
    ErrorBuffer eb;
    sy_status st = vt_->score(inst_, &view, candidates.data(), candidates.size(), result.quality.data(),
                              &result.strong_win, &eb.err);
    if (st == SY_ERR_UNSUPPORTED) result.supported = false;
    else if (st != SY_OK) result.error = eb.text[0] ? eb.str() : "router failed to score";
    return result;
}

std::string RouterInstance::check_candidates(const std::vector<sy_candidate>& candidates) const {
    if (candidates.empty()) return {};
    sy_request_view empty{};
    empty.struct_size = sizeof empty;
    empty.max_tokens = -1;
    ScoreResult r = score(empty, candidates);
    return r.error;
}

bool RouterInstance::checks_answers() const {
    return vt_size_ >= offsetof(sy_router_vtable, check) + sizeof(void*) && vt_->check;
}

RouterInstance::CheckResult RouterInstance::check(const sy_request_view& view, std::string_view model,
                                                  std::string_view answer, std::string_view judge_answer) const {
    CheckResult r;
    sy_check_input in{sizeof(sy_check_input), &view, to_sy_str(model), to_sy_str(answer), to_sy_str(judge_answer)};
    int32_t verdict = SY_VERDICT_ACCEPT;
    sy_byte_sink sink{sizeof(sy_byte_sink), &r.judge_request,
                      [](void* ctx, const char* p, size_t n) { static_cast<std::string*>(ctx)->append(p, n); }};
    char why[256] = {0};
    ErrorBuffer eb;
    if (vt_->check(inst_, &in, &verdict, &sink, why, sizeof why, &eb.err) != SY_OK) {
        r.error = eb.text[0] ? eb.str() : "check failed";
        return r;
    }
    why[sizeof why - 1] = '\0';
    r.why = why;
    r.verdict = verdict == SY_VERDICT_ESCALATE || verdict == SY_VERDICT_ASK_JUDGE ? static_cast<sy_verdict>(verdict)
                                                                                 : SY_VERDICT_ACCEPT;
    if (r.verdict == SY_VERDICT_ASK_JUDGE && r.judge_request.empty()) r.error = "asked for a judge without a request";
    return r;
}

bool RouterInstance::takes_feedback() const {
    return vt_size_ >= offsetof(sy_router_vtable, feedback) + sizeof(void*) && vt_->feedback;
}

std::string RouterInstance::feedback(const sy_feedback& fb, bool& unsupported) const {
    unsupported = !takes_feedback();
    if (unsupported) return {};
    ErrorBuffer eb;
    sy_status st = vt_->feedback(inst_, &fb, &eb.err);
    unsupported = st == SY_ERR_UNSUPPORTED;
    if (st == SY_OK || unsupported) return {};
    return eb.text[0] ? eb.str() : "feedback failed";
}

ProviderInstance::ProviderInstance(const sy_provider_vtable* vt, uint32_t vt_size, void* inst,
                                   config::ProviderConfig cfg, std::string plugin)
    : vt_(vt), vt_size_(vt_size), inst_(inst), config_(std::move(cfg)), plugin_name_(std::move(plugin)) {}

bool ProviderInstance::embeds() const {
    if (vt_size_ < offsetof(sy_provider_vtable, local_embeddings) + sizeof(void*)) return false;
    return is_local() ? vt_->local_embeddings != nullptr : vt_->build_embeddings && vt_->parse_embeddings;
}

ProviderInstance::~ProviderInstance() { vt_->destroy(inst_); }

std::unique_ptr<ProviderInstance> ProviderInstance::create(const LoadedPlugin& plugin,
                                                           const config::ProviderConfig& cfg,
                                                           std::string& error) {
    const sy_provider_vtable* vt = plugin.provider();
    if (!vt) {
        error = "plugin '" + plugin.name() + "' is a " + kind_name(plugin.kind()) + ", not a provider";
        return nullptr;
    }
    if (!(vt->flags & SY_PROVIDER_LOCAL) && cfg.base_url.empty()) {
        error = "provider '" + cfg.name + "': base_url is required for plugin " + plugin.name();
        return nullptr;
    }
    ErrorBuffer eb;
    void* inst = nullptr;
    const std::string& json = cfg.plugin_config_json;
    if (vt->create(host_api(), json.data(), json.size(), &inst, &eb.err) != SY_OK) {
        error = "provider '" + cfg.name + "' (plugin " + plugin.name() + "): " +
                (eb.text[0] ? eb.str() : "create failed");
        return nullptr;
    }
    return std::unique_ptr<ProviderInstance>(
        new ProviderInstance(vt, plugin.descriptor().vtable_size, inst, cfg, plugin.name()));
}

}  // namespace sy::plugin
