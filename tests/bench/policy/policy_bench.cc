// Cost of policy evaluation per request: the realistic 30-line policy, then the whole example
// set chained, on the benchmark's chat request (the same messages as ../shared/bench/peers).
// Prints p50/p99/mean in microseconds over N timed calls after a warm-up.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "policy/pii_detector.hpp"
#include "policy/policy_set.hpp"

using namespace sy;

namespace {

const char* kBody = R"({"model":"auto","temperature":0.2,"max_tokens":256,"user":"bench-user-0042","messages":[
{"role":"system","content":"You are a concise assistant for an e-commerce support desk. Answer in at most three sentences, cite the order number when one is given, never invent tracking numbers, and escalate to a human when the customer mentions a refund over 500 dollars."},
{"role":"user","content":"Hi, my order #A-99812 was supposed to arrive on Monday but the tracking page has not updated since it left the warehouse. Can you tell me what is going on?"},
{"role":"assistant","content":"I am sorry about the delay with order #A-99812. The carrier shows the parcel in transit at the regional hub; scans are sometimes skipped there. It should update within 24 hours."},
{"role":"user","content":"OK. If it does not show up by Friday, what are my options? I need it for a birthday on Saturday and I would rather not pay for express shipping twice."}]})";

policy::Catalog catalog() {
    policy::Catalog c;
    c.model = [](std::string_view name) -> std::optional<policy::ModelInfo> {
        for (const char* m : {"flagship", "small", "coder", "local-llm"})
            if (name == m) return policy::ModelInfo{1, 2, 32000, name == "local-llm", true};
        return std::nullopt;
    };
    c.router_exists = [](std::string_view name) { return name == "balanced" || name == "mf"; };
    return c;
}

void measure(const char* label, const std::vector<config::PolicyConfig>& policies, int n) {
    std::string error;
    auto set = policy::PolicySet::load(policies, catalog(), error);
    if (!set) {
        std::fprintf(stderr, "%s: %s\n", label, error.c_str());
        std::exit(1);
    }
    std::vector<std::pair<std::string, std::string>> headers{{"content-type", "application/json"}, {"x-tier", "pro"}};
    std::vector<double> eval_us, total_us;
    eval_us.reserve(static_cast<size_t>(n));
    total_us.reserve(static_cast<size_t>(n));
    int decided = 0;
    for (int i = 0; i < n + n / 10; ++i) {
        // The request is parsed with details either way; the PII scan and the evaluation are
        // what policies add to a request. Both are timed.
        ChatRequest req;
        parse_chat_request(kBody, req, true);
        auto t0 = std::chrono::steady_clock::now();
        uint32_t pii = 0;
        for (const auto& m : req.messages) pii |= policy::detect_pii(m.text);
        policy::PolicyInput in{req, headers, nullptr, 10, 100, pii, 1795341600};
        auto t1 = std::chrono::steady_clock::now();
        policy::Outcome o = set->evaluate(in);
        auto t2 = std::chrono::steady_clock::now();
        if (i >= n / 10) {
            eval_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
            total_us.push_back(std::chrono::duration<double, std::micro>(t2 - t0).count());
        }
        decided += o.decision ? 1 : 0;
    }
    auto pct = [](std::vector<double>& v, size_t p) {
        std::sort(v.begin(), v.end());
        return v[v.size() * p / 100];
    };
    std::printf("| %s | %zu | %.1f | %.1f | %.1f | %.1f | %d%% |\n", label, eval_us.size(), pct(eval_us, 50),
                pct(eval_us, 99), pct(total_us, 50), pct(total_us, 99), 100 * decided / (n + n / 10));
}

config::PolicyConfig policy_file(const std::string& path) {
    config::PolicyConfig p;
    p.file = path;
    p.name = std::filesystem::path(path).stem().string();
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    int n = argc > 1 ? std::atoi(argv[1]) : 20000;
    std::string src = SY_SOURCE_DIR;
    std::printf("| policy set | calls | evaluation p50 µs | evaluation p99 µs | with PII scan p50 µs | with PII scan p99 µs | decided |\n"
                "|---|---:|---:|---:|---:|---:|---:|\n");
    measure("realistic 30-line policy", {policy_file(src + "/tests/bench/policy/realistic.lua")}, n);
    std::vector<config::PolicyConfig> all;
    for (const char* name : {"deny", "privacy", "user_tier", "budget_downgrade", "code_keywords", "task_type",
                             "token_count", "business_hours"}) {
        all.push_back(policy_file(src + "/policies/" + name + ".lua"));
        all.back().name = name;
    }
    // Each example continues to the next only when it has no opinion, so most requests walk
    // several policies before one decides.
    measure("the 8 example policies chained", all, n);
    return 0;
}
