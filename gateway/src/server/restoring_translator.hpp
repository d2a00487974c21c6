// Puts redacted personal data back into an answer (privacy.restore): placeholders the model
// repeats ("[EMAIL_1]") become the values the client sent. It sits in front of the request's
// other translator (the Anthropic one on /v1/messages), which then sees the restored answer.
// A stream holds back the end of a piece that may begin a placeholder until the next piece.
#pragma once

#include <map>
#include <string>

#include "policy/pii_redaction.hpp"
#include "server/answer_translator.hpp"

namespace sy::server {

class RestoringTranslator final : public AnswerTranslator {
public:
    // `inner` is the translator installed before (may be null); both must outlive this one.
    RestoringTranslator(const policy::PiiPlaceholders& placeholders, AnswerTranslator* inner)
        : placeholders_(placeholders), inner_(inner) {}

    std::string json(std::string_view openai_body) override;
    void frames(std::string& sse) override;
    std::string done() override;
    std::string error_event(const ApiError& e) override;
    std::string error_body(const ApiError& e) override;

private:
    // One SSE chunk's JSON rewritten; false when it needs no change.
    bool restore_chunk(std::string_view json, std::string& out);
    // Held-back text as a last chunk (a stream that ended without a finish chunk).
    std::string flush();

    const policy::PiiPlaceholders& placeholders_;
    AnswerTranslator* inner_;
    // Text held back per stream channel: content of choice i, arguments of a tool call.
    std::map<std::string, std::string> held_;
};

}  // namespace sy::server
