#include "mock_provider.hpp"

#include "mock_embeddings.hpp"

#include "mock_answer.hpp"

namespace sy_plugins::mock {
namespace {

constexpr size_t kToolFragments = 3;

uint64_t ms_to_us(double ms) { return static_cast<uint64_t>(ms * 1000.0); }

uint64_t token_delay_us(const Config& c) {
    return c.tokens_per_second > 0 ? static_cast<uint64_t>(1e6 / c.tokens_per_second) : 0;
}

void report_failure(const Config& c, switchyard::ResponseWriter& out) {
    out.error(c.error_status, c.error_status == 429 ? "rate_limit_error" : "server_error",
              "mock provider: simulated failure (error_rate)");
}

// Emits role chunk, content (or tool-call fragments), finish chunk and optional usage chunk.
class MockStream final : public switchyard::LocalStream {
public:
    MockStream(const Config& config, Answer answer, bool include_usage)
        : config_(config), answer_(std::move(answer)), include_usage_(include_usage) {}

    sy_status next(switchyard::ResponseWriter& out, uint64_t& delay_us) override {
        if (answer_.fail) {
            delay_us = ms_to_us(config_.ttft_ms);
            report_failure(config_, out);
            return SY_DONE;
        }
        size_t body_steps = answer_.tool_name.empty() ? answer_.words.size() : kToolFragments;
        if (step_ == 0) {
            delay_us = ms_to_us(config_.ttft_ms);
            out.chunk(role_chunk_json(answer_));
        } else if (step_ <= body_steps) {
            delay_us = token_delay_us(config_);
            emit_body(step_ - 1, out);
        } else if (step_ == body_steps + 1) {
            out.finish_reason(answer_.finish_reason);
            out.chunk(finish_chunk_json(answer_));
            out.usage(answer_.prompt_tokens, answer_.completion_tokens);
            if (!include_usage_) return SY_DONE;
        } else {
            out.chunk(usage_chunk_json(answer_));
            return SY_DONE;
        }
        ++step_;
        return SY_OK;
    }

private:
    void emit_body(size_t i, switchyard::ResponseWriter& out) {
        if (!answer_.tool_name.empty()) {
            const std::string& args = answer_.tool_arguments;
            size_t piece = (args.size() + kToolFragments - 1) / kToolFragments;
            size_t from = std::min(args.size(), i * piece);
            out.chunk(tool_chunk_json(answer_, i == 0, std::string_view(args).substr(from, piece)));
            return;
        }
        out.chunk(content_chunk_json(answer_, i == 0 ? answer_.words[i] : " " + answer_.words[i]));
    }

    const Config& config_;
    Answer answer_;
    bool include_usage_;
    size_t step_ = 0;
};

}  // namespace

MockProvider::MockProvider(const switchyard::Host& host, std::string_view config_json)
    : host_(host), config_(Config::parse(config_json)) {}

uint64_t MockProvider::local_embeddings(const switchyard::EmbeddingsRequest& req, switchyard::ResponseWriter& out) {
    std::string_view label = config_.model_label.empty() ? req.upstream_model() : std::string_view(config_.model_label);
    out.body(embeddings_json(host_, req, label));
    out.usage(req.input_tokens(), 0);
    return ms_to_us(config_.ttft_ms);
}

uint64_t MockProvider::local_complete(const switchyard::ProviderRequest& req, switchyard::ResponseWriter& out) {
    Answer a = make_answer(config_, req);
    uint64_t delay = ms_to_us(config_.ttft_ms);
    if (a.fail) {
        report_failure(config_, out);
        return delay;
    }
    out.finish_reason(a.finish_reason);
    out.usage(a.prompt_tokens, a.completion_tokens);
    out.body(completion_json(a));
    return delay + token_delay_us(config_) * static_cast<uint64_t>(a.completion_tokens);
}

std::unique_ptr<switchyard::LocalStream> MockProvider::open_local_stream(const switchyard::ProviderRequest& req) {
    return std::make_unique<MockStream>(config_, make_answer(config_, req), req.include_usage());
}

}  // namespace sy_plugins::mock
