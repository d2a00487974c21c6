#include <switchyard/api_error.hpp>

#include <gtest/gtest.h>

namespace sy {
namespace {

TEST(ApiErrorTest, SerializesOpenAIErrorBody) {
    ApiError e = ApiError::bad_request("bad \"thing\"", "messages");
    EXPECT_EQ(e.to_json(),
              R"({"error":{"message":"bad \"thing\"","type":"invalid_request_error","code":"invalid_request","param":"messages"}})");
}

TEST(ApiErrorTest, EmptyCodeAndParamAreNull) {
    ApiError e{500, "server_error", "", "boom", "", ""};
    EXPECT_EQ(e.to_json(), R"({"error":{"message":"boom","type":"server_error","code":null,"param":null}})");
}

TEST(ApiErrorTest, FactoriesUseTheRightStatus) {
    EXPECT_EQ(ApiError::not_found_model("x").status, 404);
    EXPECT_EQ(ApiError::unauthorized("x").status, 401);
    EXPECT_EQ(ApiError::payload_too_large(10).status, 413);
    EXPECT_EQ(ApiError::upstream(504, "t").status, 504);
}

}  // namespace
}  // namespace sy
