// rapidjson's Writer as the whole build compiles it (cmake/rapidjson_simd.hpp): every byte below
// 0x20 is escaped, wherever it falls in a long string. Its SIMD scan, which release builds used
// to compile in, let 0x1A-0x1F (ESC among them) through raw in strings of 16 bytes or more.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

namespace {

TEST(RapidjsonWriterTest, EscapesEveryControlByteAtEveryOffset) {
    for (int c = 0; c < 0x20; ++c) {
        for (size_t at = 0; at < 48; ++at) {
            std::string text(64, 'a');
            text[at] = static_cast<char>(c);
            rapidjson::StringBuffer sb;
            rapidjson::Writer<rapidjson::StringBuffer> w(sb);
            w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
            const std::string out(sb.GetString(), sb.GetSize());
            for (char ch : out) ASSERT_GE(static_cast<unsigned char>(ch), 0x20) << "byte " << c << " at " << at;
            rapidjson::Document d;
            ASSERT_FALSE(d.Parse(out.c_str()).HasParseError()) << out;
            EXPECT_EQ(std::string(d.GetString(), d.GetStringLength()), text);
        }
    }
}

}  // namespace
