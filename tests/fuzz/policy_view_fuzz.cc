// The Lua request-view bindings (policy/lua_view.cc, decision.cc, lua_helpers.cc) through
// PolicySet::evaluate: tests/fuzz/policy_view.lua reads every field of `req` on a fuzzed request
// and returns a decision built from fuzzed values.
// Input: [key selector][pii kinds][budget spent][budget limit][unix time: 4 bytes], then header
// lines ("name: value") up to a blank line, then the request body. A body that does not parse
// still reaches the policy, as a single user message, so the view sees any bytes.
// Checks beyond "no crash": the view stays read-only and consistent (the policy returns the
// label view_bug otherwise).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <switchyard/log.hpp>

#include "fuzz_input.hpp"
#include "policy/pii_detector.hpp"
#include "policy/policy_set.hpp"

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<sy::policy::PolicySet>& policies() {
    static std::unique_ptr<sy::policy::PolicySet> set;
    return set;
}

sy::policy::Catalog catalog() {
    sy::policy::Catalog c;
    c.model = [](std::string_view name) -> std::optional<sy::policy::ModelInfo> {
        if (name == "strong") return sy::policy::ModelInfo{5, 15, 128000, false, true};
        if (name == "weak") return sy::policy::ModelInfo{0.1, 0.4, 32000, false, true};
        if (name == "local") return sy::policy::ModelInfo{0, 0, 8000, true, false};
        return std::nullopt;
    };
    c.router_exists = [](std::string_view name) { return name == "balanced"; };
    return c;
}

// No key, a fixed key, or one whose fields and labels come from the headers.
const sy::config::ApiKeyConfig* key_of(uint8_t selector, const Headers& headers, sy::config::ApiKeyConfig& built) {
    static const sy::config::ApiKeyConfig fixed = [] {
        sy::config::ApiKeyConfig k;
        k.id = "team-key";
        k.tier = "pro";
        k.team = "ml";
        k.labels = {{"env", "prod"}};
        return k;
    }();
    switch (selector % 3) {
        case 0:
            return nullptr;
        case 1:
            return &fixed;
        default:
            for (const auto& [name, value] : headers) {
                if (name == "x-key-id")
                    built.id = value;
                else if (name == "x-key-tier")
                    built.tier = value;
                else if (name == "x-key-team")
                    built.team = value;
                else
                    built.labels.emplace_back(name, value);
            }
            return &built;
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    sy::log::set_level(sy::log::Level::error);
    sy::config::PolicyConfig p;
    p.name = "policy_view";
    p.file = SY_FUZZ_DIR "/policy_view.lua";
    p.timeout_ms = 10000;  // instrumented builds are slow: only the instruction budget applies
    std::string error;
    policies() = sy::policy::PolicySet::load({p}, catalog(), error);
    if (!policies()) {
        std::fprintf(stderr, "policy_view: %s\n", error.c_str());
        std::abort();
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    sy::fuzz::Input in(data, size);
    uint8_t selector = in.byte();
    uint32_t pii = in.byte() & ((1u << sy::policy::kPiiKinds) - 1);
    double spent = in.byte() / 8.0, limit = in.byte() / 4.0;
    int64_t unix_time = in.u32();
    Headers headers;
    sy::fuzz::read_header_lines(in.until("\n\n"), headers);
    std::string body(in.rest());

    sy::ChatRequest req;
    if (sy::parse_chat_request(body, req, true)) {
        req = sy::ChatRequest{};
        req.model = "auto";
        req.last_user_text = body;
        req.messages.push_back({"user", body, false});
        req.message_count = 1;
        req.prompt_tokens = sy::estimate_tokens(body);
    }
    sy::config::ApiKeyConfig built;
    sy::policy::PolicyInput input{req, headers, key_of(selector, headers, built), spent, limit, pii, unix_time};
    sy::policy::Outcome out = policies()->evaluate(input);
    if (!out.decision) return 0;
    for (const auto& [name, value] : out.decision->labels) {
        if (name != "view_bug") continue;
        std::fprintf(stderr, "policy_view: %s\n", value.c_str());
        std::abort();
    }
    return 0;
}
