// Who a conversation is, for sticky sessions (routing/sessions.hpp).
#include <gtest/gtest.h>

#include "routing/sessions.hpp"

namespace sy::routing {
namespace {

ChatRequest chat(const std::string& body) {
    ChatRequest out;
    EXPECT_FALSE(parse_chat_request(body, out));
    return out;
}

TEST(SessionsTest, PolicyKeyThenHeaderThenUserWithTheOpening) {
    ChatRequest r = chat(R"({"model":"m","user":"ann","messages":[{"role":"user","content":"hi"}]})");
    EXPECT_EQ(session_identity(r, "k", "h"), "p:k");
    EXPECT_EQ(session_identity(r, "", "h"), "h:h");
    EXPECT_EQ(session_identity(r, "", ""), std::string("u:ann\x1f") + "\x1f" + "hi");
}

TEST(SessionsTest, LaterTurnsOfAConversationAreTheSameSession) {
    ChatRequest first = chat(R"({"model":"m","user":"ann","messages":[{"role":"system","content":"be brief"},
        {"role":"user","content":"hi"}]})");
    ChatRequest third = chat(R"({"model":"m","user":"ann","messages":[{"role":"system","content":"be brief"},
        {"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"more"}]})");
    ChatRequest other = chat(R"({"model":"m","user":"bob","messages":[{"role":"system","content":"be brief"},
        {"role":"user","content":"hi"}]})");
    EXPECT_EQ(session_identity(first, "", ""), session_identity(third, "", ""));
    EXPECT_NE(session_identity(first, "", ""), session_identity(other, "", ""));
}

TEST(SessionsTest, AnAnonymousConversationHasNoSession) {
    EXPECT_EQ(session_identity(chat(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"), "", ""), "");
}

TEST(SessionsTest, HashIsStableAndScoped) {
    EXPECT_EQ(session_hash("router:r", "h:1"), session_hash("router:r", "h:1"));
    EXPECT_NE(session_hash("router:r", "h:1"), session_hash("router:s", "h:1"));
    EXPECT_NE(session_hash("router:r", "h:1"), session_hash("router:r", "h:2"));
    EXPECT_EQ(session_hash("", "").size(), 16u);
}

}  // namespace
}  // namespace sy::routing
