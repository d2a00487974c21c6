// A chat request after validation: the body as received plus the fields the gateway routes on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <switchyard/api_error.hpp>

namespace sy {

// One message as policies see it.
struct MessageText {
    std::string role;
    std::string text;          // text content (string content or text parts joined by '\n')
    bool has_non_text = false; // images, audio or files among the parts
};

struct ChatRequest {
    std::string body;             // the request body as received
    std::string model;
    std::string user;
    std::string last_user_text;   // text parts of the last user message, joined by '\n'
    std::string system_text;      // system and developer messages, joined by '\n'
    int64_t prompt_tokens = 0;    // estimate (see estimate_tokens)
    int64_t max_tokens = -1;      // max_completion_tokens or max_tokens; -1 when absent
    int32_t message_count = 0;
    bool stream = false;
    bool include_usage = false;   // stream_options.include_usage
    bool has_tools = false;
    bool embeddings = false;      // an embeddings request: input tokens only, no output to reserve

    // Filled only when parse_chat_request is asked for details (policies need them).
    std::vector<MessageText> messages;
    std::vector<std::string> tool_names;
    std::vector<std::pair<std::string, std::string>> metadata;  // string values of `metadata`
};

// Tokens of a text, estimated without a tokenizer: about 4 bytes a token for English and code,
// which errs on the high side for budgets. Shared with plugins through the host API.
int64_t estimate_tokens(std::string_view text);

// Validates an OpenAI Chat Completions body and fills `out` (which takes ownership of `body`).
// Returns an error naming the offending field on bad input.
// With `details`, also keeps every message's text, the tool names and the metadata.
std::optional<ApiError> parse_chat_request(std::string body, ChatRequest& out, bool details = false);

// Lowers max_tokens / max_completion_tokens to `cap` in the body, so one request cannot reserve
// more than a model's output cap.
void clamp_max_tokens(ChatRequest& req, int64_t cap);

}  // namespace sy
