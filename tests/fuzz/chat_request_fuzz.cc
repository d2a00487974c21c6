// The OpenAI request parser (core/chat_request.cc) on any body a client can send.
// Input: the request body. Checks beyond "no crash": parsing with and without details agrees,
// and a body that max_tokens is clamped in still parses, with the cap in place.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <switchyard/chat_request.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string body(reinterpret_cast<const char*>(data), size);
    sy::ChatRequest plain, detailed;
    auto err = sy::parse_chat_request(body, plain, false);
    auto err_detailed = sy::parse_chat_request(body, detailed, true);
    if (err.has_value() != err_detailed.has_value()) std::abort();
    if (err) return 0;
    if (plain.model != detailed.model || plain.prompt_tokens != detailed.prompt_tokens ||
        plain.max_tokens != detailed.max_tokens || plain.stream != detailed.stream ||
        detailed.messages.size() != static_cast<size_t>(detailed.message_count))
        std::abort();
    if (plain.max_tokens > 1) {
        int64_t cap = plain.max_tokens / 2;
        sy::clamp_max_tokens(plain, cap);
        sy::ChatRequest again;
        if (sy::parse_chat_request(plain.body, again, false) || again.max_tokens != cap) std::abort();
    }
    return 0;
}
