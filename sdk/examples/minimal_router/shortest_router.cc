// shortest_router: sends short prompts to the cheapest candidate and everything else to the
// first (strongest) one. A complete third-party plugin in one file, using only the SDK.
#include <switchyard/sdk.hpp>

#include <cstdlib>
#include <string>

namespace {

// Reads {"max_prompt_tokens": N} without a JSON library: the config is tiny and flat.
int64_t read_limit(std::string_view json) {
    const std::string key = "\"max_prompt_tokens\"";
    size_t at = json.find(key);
    if (at == std::string_view::npos) return 200;
    size_t colon = json.find(':', at + key.size());
    if (colon == std::string_view::npos) throw switchyard::Error("config.max_prompt_tokens: missing value", SY_ERR_CONFIG);
    std::string rest(json.substr(colon + 1));
    char* end = nullptr;
    long long v = std::strtoll(rest.c_str(), &end, 10);
    if (end == rest.c_str() || v < 1)
        throw switchyard::Error("config.max_prompt_tokens: must be a positive integer", SY_ERR_CONFIG);
    return v;
}

class ShortestRouter final : public switchyard::Router {
public:
    ShortestRouter(const switchyard::Host& host, std::string_view config_json) : limit_(read_limit(config_json)) {
        host.log(SY_LOG_INFO, "shortest_router: prompts under " + std::to_string(limit_) + " tokens go to the cheapest model");
    }

    void route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               const sy_route_params&, switchyard::Ranking& out) override {
        size_t cheapest = 0;
        for (size_t i = 1; i < candidates.size(); ++i)
            if (candidates[i].input_price_per_mtok() < candidates[cheapest].input_price_per_mtok()) cheapest = i;
        bool short_prompt = request.prompt_tokens() < limit_;
        size_t first = short_prompt ? cheapest : 0;
        out.add(first, 1.0);
        for (size_t i = 0; i < candidates.size(); ++i)
            if (i != first) out.add(i, 0.0);
        out.reason(std::string(short_prompt ? "short" : "long") + " prompt (" + std::to_string(request.prompt_tokens()) +
                   " tokens) -> " + std::string(candidates[first].name()));
    }

private:
    int64_t limit_;
};

}  // namespace

SWITCHYARD_ROUTER(ShortestRouter, "shortest_router", "1.0.0", "Cheapest model for short prompts")
