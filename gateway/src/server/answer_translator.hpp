// Answers in another API's shape. The chat pipeline produces OpenAI JSON bodies, SSE chunks
// and errors; while a translator is installed on the handling thread (TranslatorScope), the
// writers in http_util hand them to it first: /v1/messages installs the Anthropic one.
#pragma once

#include <string>
#include <string_view>

#include <switchyard/api_error.hpp>

namespace sy::server {

class AnswerTranslator {
public:
    virtual ~AnswerTranslator() = default;
    // A whole chat.completion body, rewritten.
    virtual std::string json(std::string_view openai_body) = 0;
    // Pending SSE frames ("data: {chunk}\n\n" ...), rewritten in place (may become empty).
    virtual void frames(std::string& sse) = 0;
    // What ends a stream instead of "data: [DONE]".
    virtual std::string done() = 0;
    // A mid-stream error event, and an error response body.
    virtual std::string error_event(const ApiError& e) = 0;
    virtual std::string error_body(const ApiError& e) = 0;
};

// The translator of the current thread's request, or null.
AnswerTranslator* current_translator();
// Exchanges this thread's translator with other: a request that moves between threads (a fiber)
// takes its translator along.
void swap_current_translator(AnswerTranslator*& other);

class TranslatorScope {
public:
    explicit TranslatorScope(AnswerTranslator* t);
    ~TranslatorScope();
    TranslatorScope(const TranslatorScope&) = delete;
    TranslatorScope& operator=(const TranslatorScope&) = delete;

private:
    AnswerTranslator* previous_;
};

}  // namespace sy::server
