// An OpenAI chat request as an Anthropic Messages request: system and developer messages lifted
// into `system`, consecutive messages of one role merged (the API wants them alternating), image
// parts as image blocks, tool calls as tool_use blocks, tool messages as tool_result blocks,
// tools and tool_choice, stop sequences, max_tokens always set.
#pragma once

#include <string>
#include <string_view>

namespace sy_plugins::anthropic {

// Throws switchyard::Error (SY_ERR_BAD_REQUEST) naming the field it cannot translate.
std::string to_messages_request(std::string_view chat_body, std::string_view model, bool stream,
                                int64_t default_max_tokens);

}  // namespace sy_plugins::anthropic
