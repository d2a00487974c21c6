// The Anthropic Messages API on the way in (POST /v1/messages): the request becomes an OpenAI
// chat request for the usual routing, and the answer (whole, or the SSE stream chunk by chunk,
// without buffering) goes back in the Messages shape, errors included.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <switchyard/api_error.hpp>

#include "server/answer_translator.hpp"

namespace sy::server {

// Translates a Messages request body into an OpenAI chat request body; an error names the field.
std::optional<ApiError> messages_to_chat(const std::string& messages_body, std::string& chat_body);

class AnthropicTranslator final : public AnswerTranslator {
public:
    std::string json(std::string_view openai_body) override;
    void frames(std::string& sse) override;
    std::string done() override;
    std::string error_event(const ApiError& e) override;
    std::string error_body(const ApiError& e) override;

private:
    void chunk(std::string_view json, std::string& out);
    void start_message(const std::string& id, const std::string& model, std::string& out);
    void close_block(std::string& out);
    void finish(std::string& out);

    bool started_ = false;
    bool finished_ = false;
    int block_ = -1;                 // index of the open content block, -1 when none
    std::string block_type_;         // "text" or "tool_use"
    std::map<int, int> tool_blocks_; // OpenAI tool_call index -> block index
    int next_block_ = 0;
    std::string stop_reason_;
    int64_t input_tokens_ = 0, output_tokens_ = 0, cached_tokens_ = 0;
};

}  // namespace sy::server
