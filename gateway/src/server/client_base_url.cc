#include "server/client_base_url.hpp"

#include <algorithm>

#include "core/ascii.hpp"

namespace sy::server {
namespace {

constexpr const char* kHeader = "x-switchyard-base-url";

ApiError not_allowed(const std::string& why, std::string code = "base_url_not_allowed") {
    return ApiError{403, "permission_error", std::move(code), why, kHeader, {}};
}

// The deployment whose provider takes client base URLs: the routed one, else the model's first.
const routing::Deployment* accepting(const upstream::ClientTargetPolicy& policy, const routing::Model& model,
                                     const routing::Deployment* routed) {
    if (policy.provider_tls(routed->provider->config().name)) return routed;
    for (const routing::Deployment& d : model.deployments)
        if (policy.provider_tls(d.provider->config().name)) return &d;
    return nullptr;
}

ApiError refusal(const upstream::ClientTargetPolicy::Result& r) {
    using V = upstream::ClientTargetPolicy::Verdict;
    switch (r.verdict) {
        case V::invalid_url: return ApiError::bad_request(r.message, kHeader, "invalid_base_url");
        case V::host_not_allowed: return not_allowed(r.message);
        case V::address_not_allowed:
            return ApiError{403, "permission_error", "base_url_address_not_allowed", r.message, kHeader, {}};
        case V::unresolvable:
        case V::ok: break;
    }
    return ApiError::upstream(502, r.message, "upstream_unavailable");
}

}  // namespace

std::optional<ApiError> client_upstream(const Poco::Net::HTTPServerRequest& req, const routing::Runtime& rt,
                                        const routing::Model& model, bool local_only, const routing::Deployment*& dep,
                                        std::unique_ptr<upstream::ConnectionPool>& pool) {
    const auto count = std::count_if(req.begin(), req.end(), [](const auto& h) { return ascii_lower(h.first) == kHeader; });
    if (count == 0) return std::nullopt;
    if (count > 1) return ApiError::bad_request("send x-switchyard-base-url once", kHeader, "invalid_base_url");
    const upstream::ClientTargetPolicy& policy = rt.client_targets();
    if (!policy.enabled())
        return not_allowed("x-switchyard-base-url is not accepted here (security.client_base_urls is not configured)");
    if (local_only) return not_allowed("this request must stay on a local deployment (a privacy route); it takes no base URL");
    const routing::Deployment* target = accepting(policy, model, dep);
    if (!target)
        return not_allowed("model '" + model.config->name +
                           "' has no deployment on a provider listed in security.client_base_urls.providers");
    auto result = policy.check(req.get(kHeader));
    if (result.verdict != upstream::ClientTargetPolicy::Verdict::ok) return refusal(result);
    dep = target;
    pool = std::make_unique<upstream::ConnectionPool>(std::move(result.endpoint), 0,
                                                      *policy.provider_tls(target->provider->config().name));
    return std::nullopt;
}

}  // namespace sy::server
