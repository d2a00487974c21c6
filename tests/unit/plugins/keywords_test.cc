// The keywords guardrail through the real ABI: verdicts, config errors, and the SDK boundary
// turning a C++ exception inside a check into an error status.
#include <gtest/gtest.h>

#include <switchyard/testing.hpp>

#include "plugin_path.hpp"

namespace {

using switchyard::testing::GuardrailUnderTest;
using switchyard::testing::Plugin;
using switchyard::testing::Request;

Request saying(const std::string& text) {
    Request r;
    r.last_user_text = text;
    return r;
}

TEST(KeywordsGuardrailTest, DescribesItselfAsAGuardrailOfAbi12) {
    Plugin p(bundled_plugin("keywords"));
    EXPECT_EQ(p.descriptor().kind, static_cast<uint32_t>(SY_KIND_GUARDRAIL));
    EXPECT_EQ(p.descriptor().abi_minor, 2);
    EXPECT_NE(p.guardrail().check_request, nullptr);
    EXPECT_NE(p.guardrail().check_response, nullptr);
}

TEST(KeywordsGuardrailTest, DeniesRequestsAndAnswersWithAWordIgnoringCase) {
    Plugin p(bundled_plugin("keywords"));
    GuardrailUnderTest g(p, R"({"words": ["Project-X"], "message": "confidential", "status": 403})");
    ASSERT_EQ(g.create_status(), SY_OK) << g.create_error();
    auto denied = g.check_request(saying("tell me about PROJECT-x please"));
    EXPECT_EQ(denied.status, SY_OK);
    EXPECT_TRUE(denied.deny);
    EXPECT_EQ(denied.http_status, 403);
    EXPECT_EQ(denied.message, "confidential");
    EXPECT_EQ(denied.reason, "keyword in request");
    EXPECT_FALSE(g.check_request(saying("tell me about the weather")).deny);
    EXPECT_TRUE(g.check_response("the answer mentions project-x").deny);
    EXPECT_FALSE(g.check_response("a harmless answer").deny);
}

TEST(KeywordsGuardrailTest, AThrowInsideACheckIsAnErrorStatusNotACrash) {
    Plugin p(bundled_plugin("keywords"));
    GuardrailUnderTest g(p, R"({"words": ["x-word"], "throw_on": "boom"})");
    ASSERT_EQ(g.create_status(), SY_OK) << g.create_error();
    auto r = g.check_request(saying("boom"));
    EXPECT_EQ(r.status, SY_ERR);
    EXPECT_FALSE(r.deny);
    EXPECT_NE(r.error.find("throw_on"), std::string::npos) << r.error;
    EXPECT_FALSE(g.check_request(saying("calm")).deny) << "the instance still works";
}

TEST(KeywordsGuardrailTest, RefusesABadConfigNamingTheKey) {
    Plugin p(bundled_plugin("keywords"));
    GuardrailUnderTest none(p, "{}");
    EXPECT_EQ(none.create_status(), SY_ERR_CONFIG);
    EXPECT_NE(none.create_error().find("config.words"), std::string::npos) << none.create_error();
    GuardrailUnderTest bad_status(p, R"({"words": ["a"], "status": 200})");
    EXPECT_EQ(bad_status.create_status(), SY_ERR_CONFIG);
    EXPECT_NE(bad_status.create_error().find("config.status"), std::string::npos) << bad_status.create_error();
    GuardrailUnderTest typo(p, R"({"word": ["a"]})");
    EXPECT_NE(typo.create_error().find("unknown key"), std::string::npos) << typo.create_error();
}

}  // namespace
