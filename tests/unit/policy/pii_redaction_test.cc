// Redaction with consistent placeholders and their restoration, and the action plan.
#include <gtest/gtest.h>

#include "policy/pii_plan.hpp"
#include "policy/pii_redaction.hpp"

namespace sy::policy {
namespace {

constexpr uint32_t bit(PiiKind k) { return 1u << static_cast<unsigned>(k); }

TEST(PiiRedactionTest, TheSameValueGetsTheSamePlaceholder) {
    PiiPlaceholders ph;
    std::string out;
    uint32_t done = redact_with_placeholders("mail ann@example.com, bob@example.org and ann@example.com", bit(PiiKind::email), ph, out);
    EXPECT_EQ(done, bit(PiiKind::email));
    EXPECT_EQ(out, "mail [EMAIL_1], [EMAIL_2] and [EMAIL_1]");
    std::string more;
    redact_with_placeholders("again bob@example.org", bit(PiiKind::email), ph, more);
    EXPECT_EQ(more, "again [EMAIL_2]") << "consistent across the messages of one request";
}

TEST(PiiRedactionTest, OnlyTheKindsAskedForAreReplaced) {
    PiiPlaceholders ph;
    std::string out;
    uint32_t done = redact_with_placeholders("card 4111 1111 1111 1111, mail ann@example.com", bit(PiiKind::credit_card), ph, out);
    EXPECT_EQ(done, bit(PiiKind::credit_card));
    EXPECT_EQ(out, "card [CREDIT_CARD_1], mail ann@example.com");
    std::string none;
    EXPECT_EQ(redact_with_placeholders("nothing here", bit(PiiKind::email), ph, none), 0u);
    EXPECT_EQ(none, "nothing here");
}

TEST(PiiRedactionTest, RestoreAsTextAndAsJsonContent) {
    PiiPlaceholders ph;
    std::string out;
    redact_with_placeholders("key -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY----- and ann@example.com",
                             bit(PiiKind::secret) | bit(PiiKind::email), ph, out);
    EXPECT_EQ(out, "key [SECRET_1] and [EMAIL_1]");
    EXPECT_EQ(ph.restore("to [EMAIL_1] ([EMAIL_1]) [EMAIL_9] [email_1] [EMAIL_1", false),
              "to ann@example.com (ann@example.com) [EMAIL_9] [email_1] [EMAIL_1")
        << "only whole, known placeholders";
    std::string json = ph.restore(R"({"content":"k=[SECRET_1]"})", true);
    EXPECT_NE(json.find(R"(k=-----BEGIN PRIVATE KEY-----\nMIIE)"), std::string::npos) << "newlines escaped: " << json;
}

TEST(PiiRedactionTest, AStreamHoldsBackWhatMayStartAPlaceholder) {
    PiiPlaceholders ph;
    std::string out;
    redact_with_placeholders("ann@example.com", bit(PiiKind::email), ph, out);
    EXPECT_EQ(ph.incomplete_suffix("write to [EMA"), 4u);
    EXPECT_EQ(ph.incomplete_suffix("write to ["), 1u);
    EXPECT_EQ(ph.incomplete_suffix("write to [EMAIL_1]"), 0u);
    EXPECT_EQ(ph.incomplete_suffix("a [note] b"), 0u);
    EXPECT_EQ(ph.incomplete_suffix("[lower"), 0u) << "placeholders are upper case";
    EXPECT_EQ(ph.incomplete_suffix("[ABCDEFGHIJKLMNOP"), 0u) << "longer than any placeholder";
    PiiPlaceholders empty;
    EXPECT_EQ(empty.incomplete_suffix("x ["), 0u) << "nothing to restore, nothing to hold";
}

TEST(PiiRedactionTest, RedactsStringContentAndTextPartsOfEveryMessage) {
    std::string body = R"({"model":"m","messages":[{"role":"system","content":"owner ann@example.com"},)"
                       R"({"role":"user","content":[{"type":"text","text":"ping ann@example.com"},{"type":"image_url","image_url":{"url":"x"}}]},)"
                       R"({"role":"assistant","content":null,"tool_calls":[]}],"temperature":0})";
    PiiPlaceholders ph;
    uint32_t redacted = 0;
    ASSERT_TRUE(redact_chat_body(body, bit(PiiKind::email), ph, &redacted));
    EXPECT_EQ(redacted, bit(PiiKind::email));
    EXPECT_EQ(body.find("ann@"), std::string::npos) << body;
    EXPECT_NE(body.find(R"("content":"owner [EMAIL_1]")"), std::string::npos) << body;
    EXPECT_NE(body.find(R"("text":"ping [EMAIL_1]")"), std::string::npos) << body;
    EXPECT_NE(body.find(R"("temperature":0)"), std::string::npos);
    std::string bad = "not json";
    EXPECT_FALSE(redact_chat_body(bad, bit(PiiKind::email), ph, &redacted));
    EXPECT_EQ(bad, "not json");
}

TEST(PiiPlanTest, EachKindGetsItsActionAndPolicyOverridesWin) {
    config::PrivacyConfig cfg;
    cfg.actions[static_cast<size_t>(PiiKind::email)] = config::PiiAction::redact;
    cfg.actions[static_cast<size_t>(PiiKind::iban)] = config::PiiAction::local_only;
    cfg.actions[static_cast<size_t>(PiiKind::credit_card)] = config::PiiAction::deny;
    const uint32_t found = bit(PiiKind::email) | bit(PiiKind::iban) | bit(PiiKind::phone);
    PiiPlan plan = plan_pii(found, cfg, {});
    EXPECT_EQ(plan.redact, bit(PiiKind::email));
    EXPECT_EQ(plan.local_only, bit(PiiKind::iban));
    EXPECT_EQ(plan.deny, 0u) << "no card was found";
    EXPECT_TRUE(plan.any_action());
    PiiOverrides overrides{};
    overrides[static_cast<size_t>(PiiKind::iban)] = config::PiiAction::allow;
    overrides[static_cast<size_t>(PiiKind::phone)] = config::PiiAction::deny;
    plan = plan_pii(found, cfg, overrides);
    EXPECT_EQ(plan.local_only, 0u);
    EXPECT_EQ(plan.deny, bit(PiiKind::phone));
    EXPECT_FALSE(plan_pii(bit(PiiKind::phone), cfg, {}).any_action()) << "allow is the default";
    EXPECT_EQ(pii_kind_list(bit(PiiKind::email) | bit(PiiKind::ip_address)), "email, ip_address");
}

}  // namespace
}  // namespace sy::policy
