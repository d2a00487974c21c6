#include "cli/labeled_data.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include <unistd.h>

namespace sy::cli {
namespace {

std::string write_temp(const std::string& content) {
    char path[] = "/tmp/sy-labeled-XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    std::ofstream(path) << content;
    ::close(fd);
    return path;
}

TEST(LabeledDataTest, ReadsScoresAndBattles) {
    std::string p = write_temp(
        "{\"prompt\": \"a\", \"scores\": {\"m1\": 1, \"m2\": 0.25}}\n"
        "\n"
        "{\"prompt\": \"b\", \"model_a\": \"m2\", \"model_b\": \"m3\", \"winner\": \"model_b\"}\n"
        "{\"prompt\": \"c\", \"model_a\": \"m1\", \"model_b\": \"m3\", \"winner\": \"tie\"}\n");
    std::string err;
    auto set = read_labeled(p, err);
    ASSERT_TRUE(set) << err;
    EXPECT_EQ(set->models, (std::vector<std::string>{"m1", "m2", "m3"}));
    ASSERT_EQ(set->rows.size(), 3u);
    EXPECT_DOUBLE_EQ(set->rows[0].scores[1], 0.25);
    EXPECT_TRUE(std::isnan(set->rows[0].scores[2]));
    EXPECT_DOUBLE_EQ(set->rows[1].scores[1], 0.0);
    EXPECT_DOUBLE_EQ(set->rows[1].scores[2], 1.0);
    EXPECT_TRUE(std::isnan(set->rows[1].scores[0]));
    EXPECT_DOUBLE_EQ(set->rows[2].scores[0], 0.5);
    std::remove(p.c_str());
}

TEST(LabeledDataTest, ErrorsNameTheLine) {
    struct Case {
        const char* line;
        const char* message;
    } cases[] = {
        {"not json", ":2: invalid JSON"},
        {"[1]", ":2: a line must be a JSON object"},
        {"{\"scores\": {\"a\": 1}}", ":2: \"prompt\" must be a string"},
        {"{\"prompt\": \"x\", \"scores\": {}}", ":2: \"scores\" must be a non-empty map"},
        {"{\"prompt\": \"x\", \"scores\": {\"a\": \"1\"}}", ":2: scores.a must be a number in 0..1"},
        {"{\"prompt\": \"x\", \"model_a\": \"a\", \"model_b\": \"b\", \"winner\": \"c\"}", ":2: \"winner\" must be"},
        {"{\"prompt\": \"x\", \"model_a\": \"a\", \"model_b\": \"a\", \"winner\": \"tie\"}", ":2: model_a and model_b are the same"},
        {"{\"prompt\": \"x\"}", ":2: a line needs \"scores\""},
    };
    for (const auto& c : cases) {
        std::string p = write_temp(std::string("{\"prompt\": \"ok\", \"scores\": {\"a\": 1}}\n") + c.line + "\n");
        std::string err;
        EXPECT_FALSE(read_labeled(p, err)) << c.line;
        EXPECT_NE(err.find(p + c.message), std::string::npos) << err;
        std::remove(p.c_str());
    }
    std::string err;
    EXPECT_FALSE(read_labeled("/nonexistent/file.jsonl", err));
    EXPECT_NE(err.find("cannot open"), std::string::npos);
}

TEST(LabeledDataTest, HoldoutIsStableAndNearTheShare) {
    int held = 0;
    for (int i = 0; i < 10000; ++i) {
        std::string p = "prompt " + std::to_string(i);
        bool h = in_holdout(p, 20, 0);
        EXPECT_EQ(h, in_holdout(p, 20, 0));
        held += h;
    }
    EXPECT_NEAR(held, 2000, 150);  // about 3.75 standard deviations
    EXPECT_FALSE(in_holdout("x", 0, 0));
    EXPECT_TRUE(in_holdout("x", 100, 0));
}

}  // namespace
}  // namespace sy::cli
