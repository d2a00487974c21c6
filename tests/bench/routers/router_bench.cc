// Decision latency of the shipped mf and sw routers through the real plugin boundary (dlopen, host
// embedder, RouterInstance::route), for 2 and 9 candidates and prompts of about 100 and 4,000
// tokens. Prints a markdown table of p50/p99/max in microseconds over N timed decisions.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <switchyard/chat_request.hpp>

#include "plugin/host_api.hpp"
#include "plugin/instances.hpp"
#include "plugin/plugin_loader.hpp"

using namespace sy;

namespace {

// Varied English-like text: words cycle through a list with numbers mixed in, so the
// embedder sees many distinct tokens, as in a real long prompt.
std::string prompt_of_tokens(int64_t target) {
    const char* words[] = {"the", "integral", "of", "a", "continuous", "function", "over", "closed", "interval",
                           "equals", "limit", "Riemann", "sums", "when", "partition", "becomes", "finer,", "and",
                           "this", "theorem", "explains", "why", "areas", "under", "curves", "can", "be", "computed."};
    std::string text;
    for (size_t i = 0; estimate_tokens(text) < target; ++i) {
        text.append(words[(i * 7) % (sizeof words / sizeof *words)]).push_back(' ');
        if (i % 13 == 0) text.append(std::to_string(i)).push_back(' ');
    }
    return text;
}

struct Setup {
    const char* label;
    const char* plugin;
    const char* weights;
    std::vector<std::string> models;
};

void run(const plugin::LoadedPlugin& p, const Setup& s, const std::string& prompt, int n) {
    std::string json = std::string(R"({"weights": ")") + SY_SOURCE_DIR + "/plugins/routers/" + s.plugin + "/weights/" +
                       s.weights + "\"}";
    const config::RouterConfig rc{"bench", s.plugin, {}, std::nullopt, json};
    std::string error;
    std::unique_ptr<plugin::RouterInstance> router;
    {
        plugin::ConfigDirScope files(SY_SOURCE_DIR);
        router = plugin::RouterInstance::create(p, rc, error);
    }
    if (!router) {
        std::fprintf(stderr, "%s: %s\n", s.label, error.c_str());
        std::exit(1);
    }
    std::vector<sy_candidate> cands;
    for (const auto& m : s.models)
        cands.push_back(sy_candidate{sizeof(sy_candidate), plugin::to_sy_str(m), 1.0, 2.0, 128000, 1, 0});
    sy_request_view view{};
    view.struct_size = sizeof view;
    view.last_user_text = plugin::to_sy_str(prompt);
    view.prompt_tokens = estimate_tokens(prompt);
    view.max_tokens = -1;
    std::vector<double> us;
    us.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n + n / 10; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        plugin::RouteResult r = router->route(view, cands, 0.5);
        auto t1 = std::chrono::steady_clock::now();
        if (!r.error.empty()) {
            std::fprintf(stderr, "%s: %s\n", s.label, r.error.c_str());
            std::exit(1);
        }
        if (i >= n / 10) us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    std::sort(us.begin(), us.end());
    auto pct = [&](double p) { return us[std::min(us.size() - 1, static_cast<size_t>(p * static_cast<double>(us.size())))]; };
    std::printf("| %s | %zu | %lld | %.1f | %.1f | %.1f |\n", s.label, s.models.size(),
                static_cast<long long>(view.prompt_tokens), pct(0.5), pct(0.99), us.back());
}

}  // namespace

int main(int argc, char** argv) {
    int n = argc > 1 ? std::atoi(argv[1]) : 5000;
    const std::vector<std::string> nine{"llama-3.1-nemotron-51b-instruct", "llama-3.3-nemotron-super-49b-v1",
                                        "llama3-chatqa-1.5-70b", "llama-3.1-8b-instruct", "qwen2.5-7b-instruct",
                                        "mistral-7b-instruct-v0.3", "codegemma-7b", "llama3-chatqa-1.5-8b", "gemma-2-9b-it"};
    const Setup setups[] = {
        {"mf, MMLU weights", "mf", "mmlu-mixtral-gpt4.syrw", {"gpt-4-1106-preview", "mixtral-8x7b-instruct"}},
        {"mf, nine-model weights", "mf", "nine-models.syrw", nine},
        {"sw, MMLU index (7,803 prompts)", "sw", "mmlu-mixtral-gpt4.syrw", {"gpt-4-1106-preview", "mixtral-8x7b-instruct"}},
        {"sw, nine-model index (4,487 prompts)", "sw", "nine-models.syrw", nine},
    };
    std::printf("| router | candidates | prompt tokens | p50 µs | p99 µs | max µs |\n|---|---|---|---|---|---|\n");
    for (const auto& s : setups) {
        plugin::LoadOutcome loaded =
            plugin::load_plugin(std::string(SY_BINARY_DIR) + "/lib/switchyard/plugins/" + s.plugin + ".so");
        if (!loaded.plugin) {
            std::fprintf(stderr, "%s\n", loaded.error.c_str());
            return 1;
        }
        for (int64_t tokens : {100, 4000}) run(*loaded.plugin, s, prompt_of_tokens(tokens), n);
    }
    return 0;
}
