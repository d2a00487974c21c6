// JsonOut (core/json_out.hpp), the writer of access log lines and request traces: what it
// writes parses back to what was given, escapes exactly what JSON must, formats numbers as
// rapidjson's Writer does, and places commas in nested containers.
#include "core/json_out.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

namespace sy {
namespace {

using namespace std::string_literals;

// A random string of valid UTF-8: ASCII (control characters included) and 2- to 4-byte
// characters.
std::string random_utf8(std::mt19937& rng, int chars) {
    std::string s;
    for (int i = 0; i < chars; ++i) {
        uint32_t cp = rng() % 4 == 0 ? 0x80 + rng() % 0x10F780 : rng() % 0x80;
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';  // no surrogates
        if (cp < 0x80) {
            s += static_cast<char>(cp);
        } else if (cp < 0x800) {
            s += static_cast<char>(0xC0 | cp >> 6);
            s += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            s += static_cast<char>(0xE0 | cp >> 12);
            s += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            s += static_cast<char>(0xF0 | cp >> 18);
            s += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
            s += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    return s;
}

TEST(JsonOutTest, NestedContainersGetTheirCommas) {
    std::string s;
    JsonOut w(s);
    w.begin_object();
    w.field("a", "x");
    w.key("list");
    w.begin_array();
    w.integer(-3);
    w.begin_object();
    w.end_object();
    w.boolean(true);
    w.null();
    w.begin_array();
    w.end_array();
    w.end_array();
    w.key("n");
    w.number(0.25);
    w.end_object();
    EXPECT_EQ(w.text(), R"({"a":"x","list":[-3,{},true,null,[]],"n":0.25})");
    w.finish();  // the string holds exactly what was written
    EXPECT_EQ(s, R"({"a":"x","list":[-3,{},true,null,[]],"n":0.25})");
}

TEST(JsonOutTest, EscapesQuotesBackslashesAndControlBytesAndNothingElse) {
    std::string s;
    JsonOut w(s);
    w.string("q\" b\\ n\n t\t r\r f\f b\b nul\0 esc\x1b del\x7f \xc3\xa9 /"s);
    w.finish();
    EXPECT_EQ(s, std::string(R"("q\" b\\ n\n t\t r\r f\f b\b nul\u0000 esc\u001B del)") + "\x7f \xc3\xa9 /\"");
}

// Random UTF-8 keys and values: what JsonOut writes parses back to them and holds no raw control
// byte; numbers come out as rapidjson's Writer writes them, byte for byte.
TEST(JsonOutTest, RoundTripsTextAndWritesNumbersAsRapidjsonDoes) {
    std::mt19937 rng(11);
    for (int round = 0; round < 2000; ++round) {
        const std::string key = random_utf8(rng, static_cast<int>(rng() % 12));
        const std::string value = random_utf8(rng, static_cast<int>(rng() % 60));
        const double number = std::ldexp(static_cast<double>(rng()) - 2e9, static_cast<int>(rng() % 80) - 60);
        std::string s;
        JsonOut w(s);
        w.begin_object();
        w.field(key, value);
        w.end_object();
        w.finish();
        for (char c : s) ASSERT_GE(static_cast<unsigned char>(c), 0x20) << round;
        rapidjson::Document d;
        ASSERT_FALSE(d.Parse(s.c_str(), s.size()).HasParseError()) << s;
        ASSERT_EQ(d.MemberCount(), 1u);
        const auto& m = *d.MemberBegin();
        EXPECT_EQ(std::string(m.name.GetString(), m.name.GetStringLength()), key) << round;
        EXPECT_EQ(std::string(m.value.GetString(), m.value.GetStringLength()), value) << round;

        rapidjson::StringBuffer sb;
        rapidjson::Writer<rapidjson::StringBuffer> rw(sb);
        rw.Double(number);
        std::string n;
        JsonOut(n).number(number);
        EXPECT_EQ(n, std::string(sb.GetString(), sb.GetSize())) << round;
    }
}

// Bytes that are not UTF-8 pass through, but never hide a control byte after them: the line
// stays one line of JSON.
TEST(JsonOutTest, ControlBytesAfterInvalidUtf8AreStillEscaped) {
    std::string s;
    JsonOut w(s);
    w.string("\xf0\n\xc3"s);
    w.finish();
    EXPECT_EQ(s, "\"\xf0\\n\xc3\"");
}

TEST(JsonOutTest, AppendsToWhatTheStringHeldAndGrowsPastItsCapacity) {
    std::string s = "prefix ";
    {
        JsonOut w(s);
        w.begin_array();
        for (int i = 0; i < 500; ++i) w.string("0123456789");
        w.end_array();
    }
    ASSERT_EQ(s.size(), 7 + 2 + 500 * 12 + 499);  // prefix, brackets, quoted strings, commas
    EXPECT_TRUE(s.starts_with("prefix [\"0123456789\",\"0123"));
    EXPECT_TRUE(s.ends_with(",\"0123456789\"]"));
}

TEST(JsonOutTest, NumbersJsonCannotHoldAreNull) {
    std::string s;
    JsonOut w(s);
    w.begin_array();
    w.number(std::numeric_limits<double>::quiet_NaN());
    w.number(std::numeric_limits<double>::infinity());
    w.number(0.0);
    w.integer(std::numeric_limits<int64_t>::min());
    w.end_array();
    w.finish();
    EXPECT_EQ(s, "[null,null,0.0,-9223372036854775808]");
    rapidjson::Document d;
    EXPECT_FALSE(d.Parse(s.c_str()).HasParseError());
}

}  // namespace
}  // namespace sy
