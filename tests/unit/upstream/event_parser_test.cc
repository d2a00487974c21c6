#include "upstream/event_parser.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sy::upstream {
namespace {

std::vector<std::pair<std::string, std::string>> drain(EventParser& p, bool at_end = false) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string_view ev, data;
    while (p.next(ev, data)) out.emplace_back(ev, data);
    if (at_end && p.finish(ev, data)) out.emplace_back(ev, data);
    return out;
}

TEST(EventParserTest, SplitsSseEventsFedByteByByte) {
    EventParser p(SY_FRAMING_SSE);
    std::string stream = "data: {\"a\":1}\n\nevent: message_stop\ndata: {}\r\n\r\n: keep-alive\n\ndata: [DONE]\n\n";
    std::vector<std::pair<std::string, std::string>> got;
    for (char c : stream) {
        p.feed(std::string_view(&c, 1));
        for (auto& e : drain(p)) got.push_back(e);
    }
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0], (std::pair<std::string, std::string>{"", "{\"a\":1}"}));
    EXPECT_EQ(got[1], (std::pair<std::string, std::string>{"message_stop", "{}"}));
    EXPECT_EQ(got[2].second, "[DONE]");
}

TEST(EventParserTest, JoinsMultiLineData) {
    EventParser p(SY_FRAMING_SSE);
    p.feed("data: one\ndata: two\n\n");
    auto got = drain(p);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].second, "one\ntwo");
}

TEST(EventParserTest, FlushesUnterminatedLastEventAtEnd) {
    EventParser p(SY_FRAMING_SSE);
    p.feed("data: tail");
    EXPECT_TRUE(drain(p).empty());
    auto got = drain(p, true);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].second, "tail");
}

TEST(EventParserTest, EventWithoutDataIsNotDispatched) {
    EventParser p(SY_FRAMING_SSE);
    p.feed("event: ping\n\ndata: x\n\n");
    auto got = drain(p);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].first, "");
}

TEST(EventParserTest, SplitsNdjsonLines) {
    EventParser p(SY_FRAMING_NDJSON);
    p.feed("{\"a\":1}\n\n{\"b\":2}\r\n{\"c\"");
    auto got = drain(p);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].second, "{\"b\":2}");
    p.feed(":3}");
    got = drain(p, true);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].second, "{\"c\":3}");
}

TEST(EventParserTest, ReportsOverflowOfAnEndlessEvent) {
    EventParser p(SY_FRAMING_SSE, 1024);
    p.feed("data: " + std::string(2000, 'x'));
    EXPECT_TRUE(drain(p).empty());
    EXPECT_TRUE(p.overflowed());
}

}  // namespace
}  // namespace sy::upstream
