#include "keywords_guardrail.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "common/ascii.hpp"
#include "common/plugin_config.hpp"

namespace sy_plugins::keywords {
namespace {

}  // namespace

KeywordsGuardrail::KeywordsGuardrail(const switchyard::Host&, std::string_view config_json) {
    PluginConfig cfg("keywords", config_json, {"words", "message", "status", "delay_ms", "throw_on"});
    for (const std::string& w : cfg.string_list("words")) {
        if (w.empty()) cfg.fail("words", "must not contain an empty word");
        words_.push_back(ascii_lower(w));
    }
    if (words_.empty()) cfg.fail("words", "needs at least one word");
    message_ = cfg.string("message", "contains a blocked word");
    status_ = static_cast<int>(cfg.number("status", 400, 400, 599));
    delay_ms_ = static_cast<int64_t>(cfg.number("delay_ms", 0, 0, 600000));
    throw_on_ = ascii_lower(cfg.string("throw_on"));
}

KeywordsGuardrail::Verdict KeywordsGuardrail::check(std::string_view text, const char* what) {
    if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    const std::string haystack = ascii_lower(text);
    if (!throw_on_.empty() && haystack.find(throw_on_) != std::string::npos)
        throw std::runtime_error("keywords: throw_on word found");  // the SDK boundary catches it
    for (const std::string& w : words_)
        if (haystack.find(w) != std::string::npos)
            return Verdict::denied(message_, std::string("keyword in ") + what, status_);  // never echo the word
    return Verdict::allow();
}

KeywordsGuardrail::Verdict KeywordsGuardrail::check_request(const switchyard::RequestView& request) {
    std::string text(request.system_text());
    text.append("\n").append(request.last_user_text());
    return check(text, "request");
}

KeywordsGuardrail::Verdict KeywordsGuardrail::check_response(const switchyard::RequestView&, const Answer& answer) {
    return check(answer.text, "answer");
}

}  // namespace sy_plugins::keywords
