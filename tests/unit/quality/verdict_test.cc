// Judge answers as judges write them, and the mapping of a pick to the routed answer's verdict.
#include <gtest/gtest.h>

#include "quality/verdict.hpp"

namespace sy::quality {
namespace {

TEST(VerdictParserTest, ReadsTheFormsJudgesUse) {
    struct Case {
        const char* text;
        Pick pick;
    } cases[] = {
        {"[[A]]", Pick::a},
        {"[[B]]", Pick::b},
        {"[[TIE]]", Pick::tie},
        {"[[C]]", Pick::tie},
        {"A", Pick::a},
        {"b", Pick::b},
        {"  Tie.", Pick::tie},
        {"**B**", Pick::b},
        {"B is better: it answers the question.", Pick::b},
        {"Verdict: A", Pick::a},
        {R"({"verdict": "tie"})", Pick::tie},
        {R"({"winner":"B"})", Pick::b},
        {"After comparing both, the better answer is B.", Pick::b},
        {"Both answers are fine, but answer A is more precise. [[A]]", Pick::a},
        {"Answer B", Pick::b},
    };
    for (const Case& c : cases) {
        std::optional<Pick> p = parse_verdict(c.text);
        ASSERT_TRUE(p.has_value()) << c.text;
        EXPECT_EQ(*p, c.pick) << c.text;
    }
}

TEST(VerdictParserTest, RefusesTextWithoutAClearVerdict) {
    for (const char* text : {"", "I cannot decide.", "Both have merits", "[[A]] or maybe [[B]]", "The answers differ."})
        EXPECT_FALSE(parse_verdict(text).has_value()) << text;
}

TEST(VerdictParserTest, MapsThePickToTheRoutedAnswer) {
    EXPECT_EQ(verdict_for_routed(Pick::a, true), Verdict::win);
    EXPECT_EQ(verdict_for_routed(Pick::a, false), Verdict::loss);
    EXPECT_EQ(verdict_for_routed(Pick::b, false), Verdict::win);
    EXPECT_EQ(verdict_for_routed(Pick::b, true), Verdict::loss);
    EXPECT_EQ(verdict_for_routed(Pick::tie, true), Verdict::tie);
    EXPECT_EQ(retained(Verdict::win), 1.0);
    EXPECT_EQ(retained(Verdict::tie), 1.0) << "as good as the baseline is retained";
    EXPECT_EQ(retained(Verdict::loss), 0.0);
}

}  // namespace
}  // namespace sy::quality
