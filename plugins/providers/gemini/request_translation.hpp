// An OpenAI chat request as a Gemini generateContent request: roles (assistant -> model),
// system and developer messages as systemInstruction, images as inlineData (data: URLs) or
// fileData (other URLs), tool calls as functionCall parts, tool results as functionResponse
// parts (named after the call they answer), generationConfig (temperature, topP,
// maxOutputTokens, stopSequences, seed, JSON response schema), function declarations and the
// calling mode.
#pragma once

#include <string>
#include <string_view>

namespace sy_plugins::gemini {

// Throws switchyard::Error (SY_ERR_BAD_REQUEST) naming what it cannot translate.
std::string to_generate_content(std::string_view chat_body);

}  // namespace sy_plugins::gemini
