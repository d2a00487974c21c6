// Config of the mock provider plugin (providers[].config). See README.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sy_plugins::mock {

struct Config {
    double ttft_ms = 0;            // delay before the first token
    double tokens_per_second = 0;  // pacing of the answer; 0 = no pacing
    int64_t answer_words = 0;      // 0 = echo the prompt's words
    double error_rate = 0;         // share of requests that fail (deterministic per request id)
    int error_status = 500;
    std::string model_label;       // shown in answers; default: the deployment's model name

    static Config parse(std::string_view json);
};

}  // namespace sy_plugins::mock
