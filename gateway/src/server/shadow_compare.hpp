// Compares a routed answer with the baseline model's answer to the same request: by asking a
// judge model which is better (shadow.judge) or by a built-in comparison (shadow.compare):
// `exact` (the same text, whitespace aside, keeps the quality: a win; anything else a loss) or
// `similarity` (built-in embedder cosine at or above shadow.min_similarity is a win, else a loss).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <switchyard/chat_request.hpp>
#include <switchyard/config.hpp>

#include "quality/verdict.hpp"
#include "routing/runtime.hpp"
#include "server/provider_call.hpp"

namespace sy::server {

struct Comparison {
    std::optional<quality::Verdict> verdict;  // none when the comparison failed
    std::string error;
    int64_t cost_nano = 0;  // the judge's answer
};

Comparison compare_answers(const routing::Runtime& rt, const config::ShadowConfig& cfg, const ChatRequest& request,
                           const std::string& request_id, const std::string& routed, const std::string& baseline);

// The judge's chat request (JSON): the conversation's last user message and the two answers as
// A and B, asking for [[A]], [[B]] or [[TIE]].
std::string judge_request(const std::string& judge_model, const ChatRequest& request, const std::string& a,
                          const std::string& b);

// The text of a chat.completion's first choice ("" when it has none).
std::string completion_text(const std::string& body);

// What a captured answer of `model` cost (0 for a model without prices).
int64_t captured_cost(const routing::Model& model, const routing::Deployment& dep, const ChatRequest& request,
                      const Captured& c);

}  // namespace sy::server
