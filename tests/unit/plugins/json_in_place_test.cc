// parse_json_in_place (plugins/common/json_depth.hpp): the document parses its own copy of the
// text, so it outlives the text it came from; escapes are decoded; what parse_json refuses, it
// refuses too.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "common/json_depth.hpp"

namespace sy_plugins {
namespace {

TEST(JsonInPlaceTest, TheDocumentOutlivesTheTextItCameFrom) {
    rapidjson::Document doc;
    {
        auto text = std::make_unique<std::string>(R"({"a": "one \"quoted\" \u00e9 line\n", "n": [1, 2.5]})");
        ASSERT_TRUE(parse_json_in_place(doc, *text));
        text->assign(text->size(), 'x');  // the caller's text changes, then goes
    }
    rapidjson::Document moved = std::move(doc);  // a returned document keeps its copy
    ASSERT_TRUE(moved.IsObject());
    EXPECT_EQ(std::string(moved["a"].GetString(), moved["a"].GetStringLength()), "one \"quoted\" \xc3\xa9 line\n");
    EXPECT_EQ(moved["n"][1].GetDouble(), 2.5);
}

TEST(JsonInPlaceTest, RefusesWhatParseJsonRefuses) {
    rapidjson::Document doc;
    EXPECT_FALSE(parse_json_in_place(doc, std::string(300, '[')));
    EXPECT_TRUE(doc.IsNull());
    EXPECT_FALSE(parse_json_in_place(doc, std::string("{\"a\": \"x\0y\"}", 12)));
    EXPECT_FALSE(parse_json_in_place(doc, R"({"a": 1} trailing)"));
    EXPECT_FALSE(parse_json_in_place(doc, R"({"a": "unterminated)"));
    EXPECT_FALSE(parse_json_in_place(doc, "{\"a\": \"a string of sixteen bytes or more \x1b\"}"));
    EXPECT_FALSE(parse_json(doc, "{\"a\": \"a string of sixteen bytes or more \x1b\"}"));
    EXPECT_TRUE(parse_json_in_place(doc, R"([])"));
}

}  // namespace
}  // namespace sy_plugins
