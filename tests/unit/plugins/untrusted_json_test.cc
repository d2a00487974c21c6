// Every translating provider refuses JSON nested deeper than 128 levels (plugins/common/
// json_depth.hpp) instead of overflowing the stack in rapidjson's recursive reader: in an
// upstream answer, in a stream event, and in tool-call arguments of the client's request.
#include <switchyard/testing.hpp>

#include <gtest/gtest.h>

#include <string>

#include "plugin_path.hpp"

namespace {

using namespace switchyard::testing;

const std::string kDeep(300000, '[');

class DeepJsonTest : public ::testing::TestWithParam<const char*> {
protected:
    Plugin plugin{bundled_plugin(GetParam())};
    ProviderUnderTest provider{plugin, std::string(GetParam()) == "ollama" ? "{}" : R"({"api_key": "k"})"};

    void SetUp() override { ASSERT_EQ(provider.create_status(), SY_OK) << provider.create_error(); }
};

TEST_P(DeepJsonTest, UpstreamAnswerIsAnError) {
    sy_response_writer w;
    sy_status st = provider.parse(Request(), 200, R"({"choices": )" + kDeep, w);
    EXPECT_EQ(st, SY_ERR_UPSTREAM);
    sy_response_writer e;
    EXPECT_EQ(provider.parse(Request(), 500, R"({"error": )" + kDeep, e), SY_OK);
    EXPECT_EQ(e.error_status, 502);
}

TEST_P(DeepJsonTest, StreamEventIsAnError) {
    Request r;
    r.stream = true;
    sy_response_writer w;
    EXPECT_EQ(provider.stream(r, {R"({"usage": )" + kDeep}, w), SY_ERR_UPSTREAM);
}

TEST_P(DeepJsonTest, ToolCallArgumentsAreRefused) {
    Request r;
    r.body = R"({"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [)"
             R"({"id": "c1", "type": "function", "function": {"name": "f", "arguments": ")" + kDeep + R"("}}]}]})";
    sy_http_builder b;
    sy_status st = provider.build(r, b);
    if (std::string(GetParam()) == "openai") EXPECT_EQ(st, SY_OK);  // passes arguments through unparsed
    else EXPECT_EQ(st, SY_ERR_BAD_REQUEST);
}

INSTANTIATE_TEST_SUITE_P(Providers, DeepJsonTest, ::testing::Values("openai", "anthropic", "gemini", "ollama"));

}  // namespace
