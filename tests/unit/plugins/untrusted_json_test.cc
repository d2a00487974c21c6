// Untrusted JSON reaching the translating providers fails the one request, never the process:
// - nested deeper than 128 levels (plugins/common/json_depth.hpp), instead of overflowing the
//   stack in rapidjson's recursive reader: in an upstream answer, a stream event, and tool-call
//   arguments of the client's request;
// - of an unexpected shape (a member missing, a value of another type), where rapidjson's
//   assertions aborted, or read garbage without them (plugins/common/rapidjson_assert.hpp).
// Both found by fuzzing (tests/fuzz).
#include <switchyard/testing.hpp>

#include <gtest/gtest.h>

#include <string>

#include "plugin_path.hpp"

namespace {

using namespace switchyard::testing;

const std::string kDeep(300000, '[');

class UntrustedJsonTest : public ::testing::TestWithParam<const char*> {
protected:
    Plugin plugin{bundled_plugin(GetParam())};
    ProviderUnderTest provider{plugin, std::string(GetParam()) == "ollama" ? "{}" : R"({"api_key": "k"})"};

    void SetUp() override { ASSERT_EQ(provider.create_status(), SY_OK) << provider.create_error(); }
};

TEST_P(UntrustedJsonTest, UpstreamAnswerIsAnError) {
    sy_response_writer w;
    sy_status st = provider.parse(Request(), 200, R"({"choices": )" + kDeep, w);
    EXPECT_EQ(st, SY_ERR_UPSTREAM);
    sy_response_writer e;
    EXPECT_EQ(provider.parse(Request(), 500, R"({"error": )" + kDeep, e), SY_OK);
    EXPECT_EQ(e.error_status, 502);
}

TEST_P(UntrustedJsonTest, StreamEventIsAnError) {
    Request r;
    r.stream = true;
    sy_response_writer w;
    EXPECT_EQ(provider.stream(r, {R"({"usage": )" + kDeep}, w), SY_ERR_UPSTREAM);
}

TEST_P(UntrustedJsonTest, ToolCallArgumentsAreRefused) {
    Request r;
    r.body = R"({"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [)"
             R"({"id": "c1", "type": "function", "function": {"name": "f", "arguments": ")" + kDeep + R"("}}]}]})";
    sy_http_builder b;
    sy_status st = provider.build(r, b);
    if (std::string(GetParam()) == "openai") EXPECT_EQ(st, SY_OK);  // passes arguments through unparsed
    else EXPECT_EQ(st, SY_ERR_BAD_REQUEST);
}

TEST_P(UntrustedJsonTest, ImagePartWithoutItsUrlIsRefused) {
    Request r;
    r.body = R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "look"},)"
             R"({"type": "image_url", "imag_url": {"url": "https://x.invalid/i.png"}}]}]})";
    sy_http_builder b;
    std::string err;
    sy_status st = provider.build(r, b, &err);
    if (std::string(GetParam()) == "openai") EXPECT_EQ(st, SY_OK);  // passes the body through
    else EXPECT_NE(st, SY_OK) << b.body;
}

INSTANTIATE_TEST_SUITE_P(Providers, UntrustedJsonTest, ::testing::Values("openai", "anthropic", "gemini", "ollama"));

TEST(UntrustedJsonShapeTest, AnthropicDeltaWithoutItsDeltaIsAnInvalidEvent) {
    Plugin plugin{bundled_plugin("anthropic")};
    ProviderUnderTest provider{plugin, R"({"api_key": "k"})"};
    Request r;
    r.stream = true;
    sy_response_writer w;
    std::string err;
    sy_status st = provider.stream(r,
                                   {R"({"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":3}}})",
                                    R"({"type":"content_block_delta","index":0,"delta$":{"type":"text_delta","text":"x"}})"},
                                   w, &err);
    EXPECT_EQ(st, SY_ERR);
    EXPECT_NE(err.find("unexpected JSON shape"), std::string::npos) << err;
}

}  // namespace
