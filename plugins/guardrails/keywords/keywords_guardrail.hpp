// Denies a request (its last user message and system text) or an answer that contains one of the
// configured words, case-insensitively. An example of the guardrail kind, also used by the tests
// (delay_ms and throw_on exercise the host's timeout and exception isolation).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <switchyard/sdk.hpp>

namespace sy_plugins::keywords {

class KeywordsGuardrail final : public switchyard::Guardrail {
public:
    KeywordsGuardrail(const switchyard::Host& host, std::string_view config_json);

    // switchyard::Guardrail
    Verdict check_request(const switchyard::RequestView& request) override;
    Verdict check_response(const switchyard::RequestView& request, const Answer& answer) override;

private:
    Verdict check(std::string_view text, const char* what);

    std::vector<std::string> words_;  // lower-cased
    std::string message_;
    int status_ = 400;
    int64_t delay_ms_ = 0;            // test only: a slow check
    std::string throw_on_;            // test only: a word that makes the check throw (lower-cased)
};

}  // namespace sy_plugins::keywords
