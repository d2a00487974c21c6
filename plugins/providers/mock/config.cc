#include "config.hpp"

#include "common/plugin_config.hpp"

namespace sy_plugins::mock {

Config Config::parse(std::string_view json) {
    PluginConfig cfg("mock", json,
                     {"ttft_ms", "tokens_per_second", "answer_words", "error_rate", "error_status", "model_label"});
    Config out;
    out.ttft_ms = cfg.number("ttft_ms", 0, 0, 600000);
    out.tokens_per_second = cfg.number("tokens_per_second", 0, 0, 1e6);
    out.answer_words = static_cast<int64_t>(cfg.number("answer_words", 0, 0, 100000));
    out.error_rate = cfg.number("error_rate", 0, 0, 1);
    out.error_status = static_cast<int>(cfg.number("error_status", 500, 400, 599));
    out.model_label = cfg.string("model_label");
    return out;
}

}  // namespace sy_plugins::mock
