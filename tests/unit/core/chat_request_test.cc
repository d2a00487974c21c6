#include <switchyard/chat_request.hpp>

#include <gtest/gtest.h>

#include <random>

namespace sy {
namespace {

std::optional<ApiError> parse(const std::string& body, ChatRequest& out) { return parse_chat_request(body, out); }

TEST(ChatRequestTest, ExtractsRoutingFields) {
    ChatRequest r;
    auto err = parse(R"({"model": "gpt-4o", "user": "u1", "stream": true, "max_tokens": 50,
        "stream_options": {"include_usage": true},
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "messages": [{"role": "system", "content": "You are terse."},
                     {"role": "user", "content": "first"},
                     {"role": "assistant", "content": "ok"},
                     {"role": "user", "content": [{"type": "text", "text": "second"},
                                                  {"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}]})",
                     r);
    ASSERT_FALSE(err) << err->message;
    EXPECT_EQ(r.model, "gpt-4o");
    EXPECT_EQ(r.user, "u1");
    EXPECT_TRUE(r.stream);
    EXPECT_TRUE(r.include_usage);
    EXPECT_TRUE(r.has_tools);
    EXPECT_EQ(r.max_tokens, 50);
    EXPECT_EQ(r.message_count, 4);
    EXPECT_EQ(r.last_user_text, "second");
    EXPECT_EQ(r.system_text, "You are terse.");
    EXPECT_GT(r.prompt_tokens, 765);  // the image counts
}

TEST(ChatRequestTest, RefusesBytesAfterTheDocument) {
    ChatRequest r;
    auto err = parse(R"({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": "x"}]}x")", r);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->code, "invalid_json");
    EXPECT_NE(err->message.find("root must not be followed"), std::string::npos) << err->message;
    EXPECT_FALSE(parse(R"({"model": "m", "messages": [{"role": "user", "content": "x"}]} )" "\n", r));
}

TEST(ChatRequestTest, RefusesANulByteAnywhere) {
    ChatRequest r;
    // After the document (a parse that stopped at the NUL would accept the rest unread), and
    // inside a string.
    for (std::string body : {std::string(R"({"model": "m", "messages": [{"role": "user", "content": "x"}]})") +
                                 std::string(1, '\0') + "garbage",
                             std::string(R"({"model": "m", "messages": [{"role": "user", "content": "x)") +
                                 std::string(1, '\0') + R"("}]})"}) {
        auto err = parse(body, r);
        ASSERT_TRUE(err) << body.size();
        EXPECT_EQ(err->code, "invalid_json");
        EXPECT_NE(err->message.find("NUL byte"), std::string::npos) << err->message;
    }
}

// Every build refuses a raw control byte inside a string the same way: the release build's SIMD
// string scan would have let 0x1A-0x1F through, the sanitizer build's byte loop refused them.
TEST(ChatRequestTest, RefusesARawControlByteInAStringInEveryBuild) {
    ChatRequest r;
    for (char c : {'\x01', '\x1a', '\x1b', '\x1f'}) {
        std::string body = R"({"model": "m", "messages": [{"role": "user", "content": "a long enough text )" +
                           std::string(1, c) + R"( to reach the vector scan"}]})";
        auto err = parse(body, r);
        ASSERT_TRUE(err) << static_cast<int>(c);
        EXPECT_EQ(err->status, 400);
        EXPECT_EQ(err->code, "invalid_json");
        EXPECT_NE(err->message.find("unescaped at offset 76"), std::string::npos) << err->message;
    }
    // Escaped, as JSON writes them, they are text like any other; tabs and line breaks between
    // tokens are whitespace.
    ASSERT_FALSE(parse("{\"model\": \"m\",\n\t\"messages\": [{\"role\": \"user\", \"content\": \"esc \\u001b\"}]}\r\n", r));
    EXPECT_EQ(r.last_user_text, "esc \x1b");
}

TEST(ChatRequestTest, ClampedBodyStillParses) {
    ChatRequest r;
    ASSERT_FALSE(parse(R"({"model": "m", "max_tokens": 900, "messages": [{"role": "user", "content": "x"}]})", r));
    clamp_max_tokens(r, 100);
    ChatRequest again;
    ASSERT_FALSE(parse(r.body, again));
    EXPECT_EQ(again.max_tokens, 100);
}

TEST(ChatRequestTest, TokenEstimateMovesPastControlCharacters) {
    EXPECT_EQ(estimate_tokens(std::string_view("\x01", 1)), 1);
    EXPECT_EQ(estimate_tokens(std::string_view("a\0b", 3)), 3);
    EXPECT_EQ(estimate_tokens("\x1b[1m\x7f"), 5);  // ESC, "[", "1", "m", DEL
    ChatRequest r;
    ASSERT_FALSE(parse(R"({"model": "m", "messages": [{"role": "user", "content": "bell \u0007 here"}]})", r));
    EXPECT_GT(r.prompt_tokens, 0);
}

// A key twice in one object: rapidjson reads the first, upstreams the last, so the request would
// be routed, allowed and checked as one thing and answered as another.
TEST(ChatRequestTest, RefusesADuplicateKeyAnywhere) {
    ChatRequest r;
    auto err = parse(R"({"model": "cheap", "messages": [{"role": "user", "content": "x"}], "model": "expensive"})", r);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->code, "invalid_json");
    EXPECT_NE(err->message.find("'model' twice"), std::string::npos) << err->message;
    auto nested = parse(R"({"model": "m", "messages": [{"role": "user", "content": "ok", "content": "other"}]})", r);
    ASSERT_TRUE(nested);
    EXPECT_NE(nested->message.find("'content' twice"), std::string::npos) << nested->message;
    EXPECT_FALSE(parse(R"({"model": "m", "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]})", r));
    // Objects of more than 8 members are checked by sorting their names, smaller ones pair by pair.
    std::string many = R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "metadata": {)";
    for (int i = 0; i < 12; ++i) many += "\"k" + std::to_string(i) + "\": 1, ";
    EXPECT_FALSE(parse(many + R"("last": 2}})", r));
    auto big = parse(many + R"("k7": 2}})", r);
    ASSERT_TRUE(big);
    EXPECT_NE(big->message.find("'k7' twice"), std::string::npos) << big->message;
}

// rapidjson reads 0.21e309 as infinity and its writer stops there: the body clamp_max_tokens and
// the providers write back would be cut short (found by fuzzing).
TEST(ChatRequestTest, RefusesANumberBeyondDoubleRange) {
    ChatRequest r;
    auto err = parse(R"({"model": "m", "max_tokens": 90, "temperature": 0.21e309, "messages": [{"role": "user", "content": "x"}]})", r);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->code, "invalid_json");
    EXPECT_FALSE(parse(R"({"model": "m", "temperature": 1.7e308, "messages": [{"role": "user", "content": "x"}]})", r));
}

TEST(ChatRequestTest, PrefersMaxCompletionTokens) {
    ChatRequest r;
    ASSERT_FALSE(parse(R"({"model": "m", "max_tokens": 9, "max_completion_tokens": 7,
                           "messages": [{"role": "user", "content": "x"}]})", r));
    EXPECT_EQ(r.max_tokens, 7);
}

TEST(ChatRequestTest, EstimatesTokensFromText) {
    ChatRequest r;
    ASSERT_FALSE(parse(R"({"model": "m", "messages": [{"role": "user", "content": "hello there"}]})", r));
    EXPECT_EQ(r.prompt_tokens, 2 + 4);  // two words + per-message overhead
}

TEST(ChatRequestTest, TokenEstimateFollowsBpeSegments) {
    EXPECT_EQ(estimate_tokens(""), 0);
    EXPECT_EQ(estimate_tokens("The cat sat."), 4);          // three words and a period
    EXPECT_EQ(estimate_tokens("internationalization"), 4);  // 20 letters: split every ~4 past 8
    EXPECT_EQ(estimate_tokens("1234567"), 3);               // digits in groups of three
    EXPECT_EQ(estimate_tokens("max_tokens = 5;"), 5);       // 10-letter identifier (2), =, digit, ;
    EXPECT_EQ(estimate_tokens("a\n    b"), 3);              // the newline and its indentation are one
    EXPECT_EQ(estimate_tokens("héllo"), 3);                 // non-ASCII bytes: one token per two
}

// The estimate as it was before its table-driven rewrite: the rewrite must count the same.
int64_t reference_estimate(std::string_view text) {
    int64_t tokens = 0;
    const size_t n = text.size();
    size_t i = 0;
    auto is_alpha = [](unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    auto is_punct = [](unsigned char p) {
        return p > ' ' && p < 0x80 && !((p >= 'a' && p <= 'z') || (p >= 'A' && p <= 'Z') || (p >= '0' && p <= '9'));
    };
    while (i < n) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        size_t start = i;
        if (is_alpha(c)) {
            while (i < n && is_alpha(static_cast<unsigned char>(text[i]))) ++i;
            size_t len = i - start;
            tokens += len <= 8 ? 1 : 1 + static_cast<int64_t>((len - 8 + 3) / 4);
        } else if (c >= '0' && c <= '9') {
            while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
            tokens += static_cast<int64_t>((i - start + 2) / 3);
        } else if (c == ' ') {
            while (i < n && text[i] == ' ') ++i;
            if (i - start > 1) ++tokens;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            while (i < n && (text[i] == '\n' || text[i] == '\r' || text[i] == '\t' || text[i] == ' ')) ++i;
            ++tokens;
        } else if (c >= 0x80) {
            while (i < n && static_cast<unsigned char>(text[i]) >= 0x80) ++i;
            tokens += static_cast<int64_t>((i - start + 1) / 2);
        } else {
            while (i < n && is_punct(static_cast<unsigned char>(text[i])) && text[i] != '_') ++i;
            if (i == start) ++i;
            tokens += static_cast<int64_t>((i - start + 2) / 3);
        }
    }
    return tokens;
}

TEST(ChatRequestTest, TokenEstimateCountsAsThePreviousImplementationDid) {
    std::mt19937 rng(20261128);
    // Bytes drawn mostly from the classes' edges, so that runs and their boundaries are common.
    const std::string alphabet = std::string("aZ_09 \n\r\t!(-;~\x7f\x01\x1f") + "\x80\xc3\xa9\xff";
    for (int round = 0; round < 20000; ++round) {
        std::string text(rng() % 40, ' ');
        for (char& c : text) c = (rng() % 4 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
        ASSERT_EQ(estimate_tokens(text), reference_estimate(text)) << "text of " << text.size() << " bytes, round " << round;
    }
    const std::string prose = "The model reads: def f(x):\n    return x ** 2  # 12345 -> ok; naïve café";
    EXPECT_EQ(estimate_tokens(prose), reference_estimate(prose));
}

struct BadCase {
    const char* body;
    const char* param;
};

class ChatRequestRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(ChatRequestRejects, WithA400NamingTheParam) {
    ChatRequest r;
    auto err = parse(GetParam().body, r);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->status, 400);
    EXPECT_EQ(err->type, "invalid_request_error");
    EXPECT_EQ(err->param, GetParam().param) << err->message;
}

INSTANTIATE_TEST_SUITE_P(
    BadBodies, ChatRequestRejects,
    ::testing::Values(BadCase{R"({"model": "m", "messages": [)", ""},
                      BadCase{R"([1, 2])", ""},
                      BadCase{R"({"messages": [{"role": "user", "content": "x"}]})", "model"},
                      BadCase{R"({"model": "", "messages": [{"role": "user", "content": "x"}]})", "model"},
                      BadCase{R"({"model": 5, "messages": [{"role": "user", "content": "x"}]})", "model"},
                      BadCase{R"({"model": "m"})", "messages"},
                      BadCase{R"({"model": "m", "messages": []})", "messages"},
                      BadCase{R"({"model": "m", "messages": [7]})", "messages[0]"},
                      BadCase{R"({"model": "m", "messages": [{"role": "wizard", "content": "x"}]})", "messages[0].role"},
                      BadCase{R"({"model": "m", "messages": [{"role": "user", "content": 5}]})", "messages[0].content"},
                      BadCase{R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "text"}]}]})",
                              "messages[0].content"},
                      BadCase{R"({"model": "m", "stream": "yes", "messages": [{"role": "user", "content": "x"}]})", "stream"},
                      BadCase{R"({"model": "m", "max_tokens": 0, "messages": [{"role": "user", "content": "x"}]})", "max_tokens"},
                      BadCase{R"({"model": "m", "max_tokens": 1.5, "messages": [{"role": "user", "content": "x"}]})", "max_tokens"},
                      BadCase{R"({"model": "m", "tools": {}, "messages": [{"role": "user", "content": "x"}]})", "tools"},
                      BadCase{R"({"model": "m", "user": 1, "messages": [{"role": "user", "content": "x"}]})", "user"},
                      BadCase{R"({"model": "m", "stream_options": {"include_usage": 1}, "messages": [{"role": "user", "content": "x"}]})",
                              "stream_options.include_usage"}));

}  // namespace
}  // namespace sy
