// The deterministic answer of the mock model for one request, and its OpenAI JSON shapes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <switchyard/sdk.hpp>

#include "config.hpp"

namespace sy_plugins::mock {

struct Answer {
    std::string id;
    std::string model;
    std::vector<std::string> words;   // content, one entry per token
    std::string tool_name;            // non-empty: answer with a call to this tool
    std::string tool_arguments;
    std::string finish_reason;        // stop, length or tool_calls
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
    bool fail = false;                // simulated upstream failure
};

Answer make_answer(const Config& config, const switchyard::ProviderRequest& req);

std::string completion_json(const Answer& a);                            // chat.completion
std::string role_chunk_json(const Answer& a);                             // first chunk
std::string content_chunk_json(const Answer& a, std::string_view text);   // one token
std::string tool_chunk_json(const Answer& a, bool first, std::string_view args_fragment);
std::string finish_chunk_json(const Answer& a);
std::string usage_chunk_json(const Answer& a);

}  // namespace sy_plugins::mock
