// Redaction with consistent placeholders: personal data in a prompt is replaced by "[EMAIL_1]",
// "[IBAN_1]", ... before the prompt leaves, the same value always by the same placeholder within
// one request, and the values are put back where the answer repeats a placeholder.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "policy/pii_detector.hpp"

namespace sy::policy {

class PiiPlaceholders {
public:
    // The placeholder of `value`, made on its first use ("[CREDIT_CARD_2]").
    const std::string& placeholder(PiiKind kind, std::string_view value);
    bool empty() const { return values_.empty(); }

    // `text` with every placeholder of this request replaced by its value; with json_escape
    // the values are written as JSON string content (for answers in their JSON form).
    std::string restore(std::string_view text, bool json_escape) const;
    // How many bytes at the end of `text` may be the start of a placeholder that the next piece
    // of a stream completes ("... write to [EMA"): a stream holds them back.
    size_t incomplete_suffix(std::string_view text) const;

private:
    std::unordered_map<std::string, std::string> values_;        // placeholder -> value
    std::unordered_map<std::string, std::string> placeholders_;  // kind byte + value -> placeholder
    std::array<int, kPiiKinds> counts_{};
    size_t longest_ = 0;
};

// Appends `text` to `out` with the matches of the kinds in `kinds` replaced by placeholders;
// returns the kinds it replaced.
uint32_t redact_with_placeholders(std::string_view text, uint32_t kinds, PiiPlaceholders& placeholders,
                                  std::string& out);

// Rewrites an OpenAI chat body: the text of every message (string content and text parts).
// Returns false, leaving `body` as it was, when it is not a chat body with messages.
bool redact_chat_body(std::string& body, uint32_t kinds, PiiPlaceholders& placeholders, uint32_t* redacted);

}  // namespace sy::policy
