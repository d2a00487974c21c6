// The top-level member scanner the openai provider splices the model with: values of every kind,
// strings holding brackets and quotes, and refusal of what it does not follow.
#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "common/json_splice.hpp"

namespace sy_plugins {
namespace {

std::array<std::string_view, 3> values(std::string_view json, bool* ok = nullptr) {
    std::array<ValueSpan, 3> at;
    bool scanned = top_level_values<3>(json, {"model", "stream", "stream_options"}, at);
    if (ok) *ok = scanned;
    return {at[0].in(json), at[1].in(json), at[2].in(json)};
}

TEST(JsonSpliceTest, FindsTopLevelValuesOfEveryKind) {
    bool ok = false;
    auto v = values(R"( {"messages":[{"content":"a } ] \" { [","x":[1,{"model":"inner"}]}], "model" : "m\"1",)"
                    R"( "n": -1.5e3, "stream":true, "stream_options": {"include_usage": true}, "z": null } )", &ok);
    ASSERT_TRUE(ok);
    EXPECT_EQ(v[0], R"("m\"1")") << "the top-level one, not the nested one";
    EXPECT_EQ(v[1], "true");
    EXPECT_EQ(v[2], R"({"include_usage": true})");
}

TEST(JsonSpliceTest, AbsentMembersAreEmptyAndAnEmptyObjectScans) {
    bool ok = false;
    auto v = values("{}", &ok);
    EXPECT_TRUE(ok);
    EXPECT_EQ(v[0], "");
    v = values(R"({"stream":false})", &ok);
    EXPECT_TRUE(ok);
    EXPECT_EQ(v[0], "");
    EXPECT_EQ(v[1], "false");
}

TEST(JsonSpliceTest, RefusesWhatItDoesNotFollow) {
    for (std::string_view bad : {"", "[]", R"({"model":"m"} x)", R"({"model":"m",})", R"({"model" "m"})",
                                 R"({"model":"m)", R"({"model":{"a":1})", R"({model:"m"})", "{\"a\":}"}) {
        bool ok = true;
        values(bad, &ok);
        EXPECT_FALSE(ok) << bad;
    }
    bool ok = false;
    auto v = values(R"({"mod\u0065l":"m"})", &ok);  // a key spelled with an escape is not recognised
    EXPECT_TRUE(ok);
    EXPECT_EQ(v[0], "");
}

TEST(JsonSpliceTest, SplicesAQuotedValue) {
    std::string_view body = R"({"model": "a", "messages": []})";
    std::array<ValueSpan, 1> at;
    ASSERT_TRUE(top_level_values<1>(body, {"model"}, at));
    EXPECT_EQ(splice(body, at[0], json_quoted("b\"\\\n")), R"({"model": "b\"\\\u000a", "messages": []})");
}

}  // namespace
}  // namespace sy_plugins
