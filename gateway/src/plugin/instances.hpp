// Live instances of router and provider plugins, created from config.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <switchyard/chat_request.hpp>
#include <switchyard/config.hpp>
#include <switchyard/plugin.h>

#include "plugin/host_api.hpp"
#include "plugin/plugin_loader.hpp"

namespace sy::plugin {

// Fills a request view over `req` (views stay valid while req and request_id live).
sy_request_view make_request_view(const ChatRequest& req, const std::string& request_id);

struct RankedChoice {
    size_t candidate_index;
    double score;
};

// Predicted quality per candidate and the strong-win score (first candidate over the last).
struct ScoreResult {
    std::vector<double> quality;
    double strong_win = 0;
    bool supported = true;   // false when the router has no score hook
    std::string error;
};

struct RouteResult {
    std::vector<RankedChoice> choices;  // best first
    std::string reason;
    std::string memo;                   // the router's note for feedback (may be empty)
    std::string error;                  // set when the router failed
};

class RouterInstance {
public:
    // Returns nullptr and sets error when the plugin's create fails.
    // `host`: the callback table the instance keeps (default: the built-in services only).
    static std::unique_ptr<RouterInstance> create(const LoadedPlugin& plugin, const config::RouterConfig& cfg,
                                                  std::string& error, const sy_host_api* host = host_api());
    ~RouterInstance();

    const config::RouterConfig& config() const { return config_; }
    const std::string& plugin_name() const { return plugin_name_; }
    RouteResult route(const sy_request_view& view, const std::vector<sy_candidate>& candidates,
                      double threshold) const;
    ScoreResult score(const sy_request_view& view, const std::vector<sy_candidate>& candidates) const;
    // Scores an empty request once: a router that scores and fails (say, a candidate it was not
    // trained on) is a config error. Returns the error, empty when fine.
    std::string check_candidates(const std::vector<sy_candidate>& candidates) const;
    // Cascade routers: a verdict on one candidate's answer.
    struct CheckResult {
        sy_verdict verdict = SY_VERDICT_ACCEPT;
        std::string judge_request;  // chat request JSON when verdict is ask-judge
        std::string why;
        std::string error;          // the hook failed
    };
    bool checks_answers() const;
    CheckResult check(const sy_request_view& view, std::string_view model, std::string_view answer,
                      std::string_view judge_answer) const;
    // True when the plugin has a feedback hook (it may still answer that it does not learn).
    bool takes_feedback() const;
    // Hands feedback to the router. Returns an error, empty when applied; `unsupported` is set
    // when the router does not learn.
    std::string feedback(const sy_feedback& fb, bool& unsupported) const;

private:
    RouterInstance(const sy_router_vtable* vt, uint32_t vt_size, void* inst, config::RouterConfig cfg,
                   std::string plugin);
    const sy_router_vtable* vt_;
    uint32_t vt_size_;
    void* inst_;
    config::RouterConfig config_;
    std::string plugin_name_;
};

class ProviderInstance {
public:
    static std::unique_ptr<ProviderInstance> create(const LoadedPlugin& plugin,
                                                    const config::ProviderConfig& cfg,
                                                    std::string& error);
    ~ProviderInstance();

    const config::ProviderConfig& config() const { return config_; }
    const std::string& plugin_name() const { return plugin_name_; }
    bool is_local() const { return (vt_->flags & SY_PROVIDER_LOCAL) != 0; }
    // True when the plugin answers embeddings requests (ABI 1.1 slots present for its kind).
    bool embeds() const;
    const sy_provider_vtable& vtable() const { return *vt_; }
    void* handle() const { return inst_; }

private:
    ProviderInstance(const sy_provider_vtable* vt, uint32_t vt_size, void* inst, config::ProviderConfig cfg,
                     std::string plugin);
    const sy_provider_vtable* vt_;
    uint32_t vt_size_;
    void* inst_;
    config::ProviderConfig config_;
    std::string plugin_name_;
};

}  // namespace sy::plugin
