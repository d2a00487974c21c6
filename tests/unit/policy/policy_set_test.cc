// Decisions, chaining and on_error behaviour of the policy chain.
#include <gtest/gtest.h>

#include <functional>

#include "policy/lua_helpers.hpp"
#include "policy/pii_detector.hpp"
#include "policy_fixture.hpp"

namespace sy::policy {
namespace {

using test::PolicyFiles;

class PolicySetTest : public ::testing::Test {
protected:
    Outcome evaluate(const std::vector<config::PolicyConfig>& policies, const std::string& body_json,
                     const config::ApiKeyConfig* key = nullptr, uint32_t pii = 0) {
        std::string error;
        set_ = PolicySet::load(policies, test::test_catalog(), error);
        EXPECT_TRUE(set_) << error;
        if (!set_) return {};
        parse_chat_request(body_json, req_, true);
        PolicyInput in{req_, headers_, key, 80, 100, pii, 1795341600};
        return set_->evaluate(in);
    }
    static std::string body(const std::string& text, const std::string& model = "auto") {
        return R"({"model":")" + model + R"(","metadata":{"app":"crm"},"tools":[{"type":"function","function":{"name":"lookup"}}],)"
               R"("messages":[{"role":"system","content":"be brief"},{"role":"user","content":")" + text + R"("}]})";
    }

    PolicyFiles files_;
    std::unique_ptr<PolicySet> set_;
    ChatRequest req_;
    std::vector<std::pair<std::string, std::string>> headers_{{"x-team", "blue"}};
};

TEST_F(PolicySetTest, SeesEveryRequestField) {
    auto p = files_.write("view", R"(
function route(req)
  assert(req.model == "auto")
  assert(#req.messages == 2 and req.messages[2].role == "user" and req.messages[2].content == "hi there")
  assert(req.messages[1].has_non_text == false)
  assert(req.last_user_message == "hi there" and req.system == "be brief")
  assert(req.tokens > 0 and req.max_tokens == nil and req.stream == false)
  assert(req.tools[1] == "lookup" and req.metadata.app == "crm" and req.headers["x-team"] == "blue")
  assert(req.key.id == "k1" and req.key.tier == "pro" and req.key.team == "t")
  assert(req.budget.spent_usd == 80 and req.budget.limit_usd == 100 and req.budget.fraction_used == 0.8)
  assert(req.pii.email == true and req.pii[1] == "email")
  assert(req.time.unix == 1795341600 and req.time.hour == 10 and req.time.weekday == 7)
  local n = 0 for k, v in pairs(req) do n = n + 1 end
  assert(n == 14)
  return {model = "strong"}
end)");
    config::ApiKeyConfig key{"secret", "k1", "pro", "t"};
    Outcome o = evaluate({p}, body("hi there"), &key, 1u << static_cast<int>(PiiKind::email));
    ASSERT_TRUE(o.decision) << o.error;
    EXPECT_EQ(o.decision->model, "strong");
    EXPECT_EQ(o.policy, "view");
}

// The scan behind req.pii is the costly part of the field: a policy that never reads it must not
// pay for it (the gateway passes the scan as pii_source when no privacy section needs it anyway).
TEST_F(PolicySetTest, ThePersonalDataScanRunsOnlyWhenAPolicyReadsReqPii) {
    int scans = 0;
    const std::function<uint32_t()> source = [&scans] {
        ++scans;
        return 1u << static_cast<int>(PiiKind::email);
    };
    parse_chat_request(body("write to me at a@b.example"), req_, true);
    auto run = [&](const config::PolicyConfig& p) {
        std::string error;
        set_ = PolicySet::load({p}, test::test_catalog(), error);
        EXPECT_TRUE(set_) << error;
        return set_ ? set_->evaluate(PolicyInput{req_, headers_, nullptr, 0, 0, 0, 0, nullptr, &source}) : Outcome{};
    };
    Outcome quiet = run(files_.write("quiet", "function route(req) return {model = 'strong'} end"));
    ASSERT_TRUE(quiet.decision) << quiet.error;
    EXPECT_EQ(scans, 0) << "no policy read req.pii";
    Outcome reader = run(files_.write("reader", R"(
function route(req)
  if #req.pii > 0 and req.pii.email then return {model = "strong", reason = "pii"} end
end)"));
    ASSERT_TRUE(reader.decision) << reader.error;
    EXPECT_EQ(reader.decision->reason, "pii") << "the scan's kinds reached the policy";
    EXPECT_EQ(scans, 1) << "read twice, scanned once";
}

// The headers are copied (names lower-cased) only for a policy that reads req.headers.
TEST_F(PolicySetTest, TheHeadersAreBuiltOnlyWhenAPolicyReadsReqHeaders) {
    int built = 0;
    const std::vector<std::pair<std::string, std::string>> none, given{{"x-tier", "pro"}};
    const std::function<const std::vector<std::pair<std::string, std::string>>&()> source =
        [&]() -> const std::vector<std::pair<std::string, std::string>>& {
        ++built;
        return given;
    };
    parse_chat_request(body("hi"), req_, true);
    auto run = [&](const config::PolicyConfig& p) {
        std::string error;
        set_ = PolicySet::load({p}, test::test_catalog(), error);
        EXPECT_TRUE(set_) << error;
        return set_ ? set_->evaluate(PolicyInput{req_, none, nullptr, 0, 0, 0, 0, nullptr, nullptr, &source}) : Outcome{};
    };
    Outcome quiet = run(files_.write("quiet", "function route(req) return {model = 'strong'} end"));
    ASSERT_TRUE(quiet.decision) << quiet.error;
    EXPECT_EQ(built, 0) << "no policy read req.headers";
    Outcome reader = run(files_.write("reader", R"(
function route(req)
  if req.headers["x-tier"] == "pro" and req.headers["x-other"] == nil then return {model = "strong", reason = "pro"} end
end)"));
    ASSERT_TRUE(reader.decision) << reader.error;
    EXPECT_EQ(reader.decision->reason, "pro") << "the headers reached the policy";
    EXPECT_EQ(built, 1) << "read twice, built once";
}

TEST_F(PolicySetTest, HelpersWork) {
    auto p = files_.write("helpers", R"(
function route(req)
  assert(sy.contains_any("Write some RUST code", {"python", "rust"}))
  assert(not sy.contains_any("trusty", {"rust"}))
  assert(sy.matches("order #A-99812", "#[A-Z]-\\d{5}"))
  assert(not sy.matches("no order", "#[A-Z]-\\d{5}"))
  assert(sy.count_tokens("hello there, world") == 4)
  local info = sy.model_info("local")
  assert(info.is_local == true and info.context_window == 8000 and sy.model_info("nope") == nil)
  assert(sy.healthy("strong") and not sy.healthy("nope"))
  sy.log("info", "helpers ok", 1, true)
  return {model = "weak"}
end)");
    Outcome o = evaluate({p}, body("x"));
    ASSERT_TRUE(o.decision) << o.error;
    EXPECT_EQ(o.decision->model, "weak");
}

// Helper errors are Lua errors (a longjmp): they must not skip C++ destructors (found by
// fuzzing: an invalid pattern leaked its message, which LeakSanitizer reports in debug-asan).
TEST_F(PolicySetTest, HelperErrorsRaiseCleanly) {
    auto p = files_.write("errors", R"(
function route(req)
  local ok, err = pcall(sy.matches, "x", "(")
  assert(not ok and err:find("invalid regular expression", 1, true), err)
  ok, err = pcall(sy.contains_any, "x", {"a", {}})
  assert(not ok and err:find("word 2 is not a string", 1, true), err)
  assert(sy.contains_any("order 12 shipped", {12}, "extra argument"))
  ok, err = pcall(sy.log, "info", setmetatable({}, {__tostring = function() error("no") end}))
  assert(not ok)
  return {model = "weak"}
end)");
    Outcome o = evaluate({p}, body("x"));
    ASSERT_TRUE(o.decision) << o.error;
    EXPECT_EQ(o.decision->model, "weak");
}

// The decision is read after the policy's call, raw: its metamethods do not run (one that raised
// reached Lua's panic handler, which aborted the process).
TEST_F(PolicySetTest, DecisionMetamethodsDoNotRun) {
    auto p = files_.write("meta", R"(
local boom = function() error("boom") end
function route(req)
  return setmetatable({model = "weak", candidates = setmetatable({"strong"}, {__len = boom, __index = boom})},
                      {__index = boom, __len = boom, __pairs = boom})
end)");
    Outcome o = evaluate({p}, body("x"));
    ASSERT_TRUE(o.decision) << o.error;
    EXPECT_TRUE(o.failed.empty());
    EXPECT_EQ(o.decision->model, "weak");
    EXPECT_EQ(o.decision->candidates, std::vector<std::string>{"strong"});
}

TEST_F(PolicySetTest, FirstDecisionWinsUnlessItContinues) {
    auto a = files_.write("a", "function route(req) return {model = 'weak', continue = true, labels = {a = '1'}} end");
    auto b = files_.write("b", "function route(req) return {local_only = true, labels = {b = '2'}} end");
    auto c = files_.write("c", "function route(req) return {model = 'strong'} end");
    Outcome o = evaluate({a, b, c}, body("x"));
    ASSERT_TRUE(o.decision);
    EXPECT_EQ(o.decision->model, "weak");
    EXPECT_TRUE(o.decision->local_only);
    EXPECT_EQ(o.decision->labels.size(), 2u);
    EXPECT_EQ(o.policy, "b");
}

TEST_F(PolicySetTest, PiiActionsReplaceThePrivacySettingsKindByKind) {
    auto a = files_.write("a", "function route(req) return {pii = 'redact', continue = true} end");
    auto b = files_.write("b", "function route(req) return {pii = {iban = 'allow', credit_card = 'deny'}} end");
    Outcome o = evaluate({a, b}, body("x"));
    ASSERT_TRUE(o.decision);
    const auto& actions = o.decision->pii_actions;
    EXPECT_EQ(actions[static_cast<size_t>(PiiKind::email)], config::PiiAction::redact);
    EXPECT_EQ(actions[static_cast<size_t>(PiiKind::iban)], config::PiiAction::allow);
    EXPECT_EQ(actions[static_cast<size_t>(PiiKind::credit_card)], config::PiiAction::deny);
    EXPECT_FALSE(o.decision->empty()) << "a decision about personal data only is still a decision";
}

TEST_F(PolicySetTest, NilMeansNoOpinion) {
    auto a = files_.write("a", "function route(req) return nil end");
    auto b = files_.write("b", "function route(req) return {router = 'r1', threshold = 0.3, candidates = {'strong', 'weak'}} end");
    Outcome o = evaluate({a, b}, body("x"));
    ASSERT_TRUE(o.decision);
    EXPECT_EQ(o.decision->router, "r1");
    EXPECT_DOUBLE_EQ(*o.decision->threshold, 0.3);
    EXPECT_EQ(o.policy, "b");
}

TEST_F(PolicySetTest, InvalidDecisionsAreErrorsNamingTheField) {
    struct Case {
        const char* lua;
        const char* error;
    } cases[] = {
        {"return {model = 'ghost'}", "decision.model: unknown model 'ghost'"},
        {"return {router = 'r9'}", "decision.router: unknown router 'r9'"},
        {"return {router = 'r1', threshold = 1.5}", "decision.threshold must be a number from 0 to 1"},
        {"return {deny = 'no', status = 200}", "decision.status must be an HTTP status from 400 to 599"},
        {"return {modle = 'strong'}", "decision has an unknown field 'modle'"},
        {"return {fallbacks = {'strong', 'x'}}", "decision.fallbacks: unknown model 'x'"},
        {"return 'strong'", "must return nil or a table"},
        {"return {pii = 'forget'}", "decision.pii must be one of allow, redact, local_only, deny"},
        {"return {pii = {mail = 'allow'}}", "decision.pii: unknown detector kind 'mail'"},
        {"return {pii = {email = 'hide'}}", "decision.pii.email must be one of allow, redact, local_only, deny"},
        {"return {pii = 3}", "decision.pii must be an action or a table of detector kinds to actions"},
    };
    for (const auto& c : cases) {
        auto p = files_.write("bad", std::string("function route(req) ") + c.lua + " end");
        p.fail_closed = true;
        Outcome o = evaluate({p}, body("x"));
        EXPECT_NE(o.error.find(c.error), std::string::npos) << c.lua << " -> " << o.error;
        EXPECT_NE(o.error.find("policy 'bad'"), std::string::npos) << o.error;
    }
}

TEST_F(PolicySetTest, OnErrorOpenSkipsTheFailingPolicy) {
    auto bad = files_.write("bad", "function route(req) error('boom') end");
    auto good = files_.write("good", "function route(req) return {model = 'weak'} end");
    Outcome o = evaluate({bad, good}, body("x"));
    EXPECT_TRUE(o.error.empty());
    ASSERT_TRUE(o.decision);
    EXPECT_EQ(o.decision->model, "weak");
    EXPECT_EQ(o.failed, std::vector<std::string>{"bad"});
}

TEST_F(PolicySetTest, OnErrorClosedStopsTheChain) {
    auto bad = files_.write("bad", "function route(req) error('boom') end");
    bad.fail_closed = true;
    auto good = files_.write("good", "function route(req) return {model = 'weak'} end");
    Outcome o = evaluate({bad, good}, body("x"));
    EXPECT_NE(o.error.find("boom"), std::string::npos);
    EXPECT_FALSE(o.decision);
}

TEST_F(PolicySetTest, AFailedCallDoesNotPoisonTheNext) {
    auto p = files_.write("flaky", R"(
function route(req)
  if req.last_user_message == "loop" then while true do end end
  return {model = "strong"}
end)");
    std::string error;
    set_ = PolicySet::load({p}, test::test_catalog(), error);
    ASSERT_TRUE(set_);
    for (int i = 0; i < 5; ++i) {
        ChatRequest bad, good;
        parse_chat_request(body("loop"), bad, true);
        parse_chat_request(body("fine"), good, true);
        PolicyInput in_bad{bad, headers_, nullptr, 0, 0, 0, 0};
        PolicyInput in_good{good, headers_, nullptr, 0, 0, 0, 0};
        EXPECT_FALSE(set_->evaluate(in_bad).decision);
        Outcome ok = set_->evaluate(in_good);
        ASSERT_TRUE(ok.decision);
        EXPECT_EQ(ok.decision->model, "strong");
    }
}

TEST_F(PolicySetTest, DenyStopsTheChain) {
    auto d = files_.write("d", "function route(req) return {deny = 'not today', status = 451, continue = true} end");
    auto m = files_.write("m", "function route(req) return {model = 'weak'} end");
    Outcome o = evaluate({d, m}, body("x"));
    ASSERT_TRUE(o.decision);
    ASSERT_TRUE(o.decision->deny);
    EXPECT_EQ(*o.decision->deny, "not today");
    EXPECT_EQ(o.decision->deny_status, 451);
}

TEST(ContainsAnyWordTest, MatchesWholeWordsCaseInsensitively) {
    EXPECT_TRUE(contains_any_word("Hello SQL world", {"sql"}));
    EXPECT_FALSE(contains_any_word("mysqld", {"sql"}));
    EXPECT_TRUE(contains_any_word("a stack trace here", {"stack trace"}));
    EXPECT_FALSE(contains_any_word("", {"x"}));
    EXPECT_TRUE(contains_any_word("end.sql", {"sql"}));
    EXPECT_FALSE(contains_any_word("sqlx sql_y", {"sql"})) << "a word character after it";
    EXPECT_TRUE(contains_any_word("SQ sqL", {"sqlite", "sq", "sql"})) << "every word tried at each start";
    EXPECT_TRUE(contains_any_word("x (compile", {"(compile"})) << "a word starting with punctuation";
    EXPECT_FALSE(contains_any_word("x(compile", {"(compile"})) << "still after a word character";
    EXPECT_FALSE(contains_any_word("py", {"python"})) << "longer than what is left";
    EXPECT_FALSE(contains_any_word("anything", {""}));
}

}  // namespace
}  // namespace sy::policy
