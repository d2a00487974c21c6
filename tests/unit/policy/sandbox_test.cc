// Escapes and abuse: every attempt fails the one call with a clear error and leaves the
// process (and the next call) unaffected.
#include <gtest/gtest.h>

#include "policy_fixture.hpp"

namespace sy::policy {
namespace {

using test::PolicyFiles;

struct PolicyRun {
    Outcome outcome;
    std::string load_error;
};

class SandboxTest : public ::testing::Test {
protected:
    // Loads `body` as a policy (on_error: closed so that failures surface) and runs it once.
    PolicyRun run(const std::string& body, const std::string& user_text = "hello") {
        config::PolicyConfig p = files_.write("p", body);
        p.fail_closed = true;
        p.timeout_ms = 200;
        PolicyRun r;
        set_ = PolicySet::load({p}, test::test_catalog(), r.load_error);
        if (!set_) return r;
        std::string body_json = R"({"model":"auto","messages":[{"role":"user","content":")" + user_text + R"("}]})";
        parse_chat_request(body_json, req_, true);
        PolicyInput in{req_, headers_, nullptr, 0, 0, 0, 0};
        r.outcome = set_->evaluate(in);
        return r;
    }
    std::string error_of(const std::string& body) {
        PolicyRun r = run(body);
        return r.load_error.empty() ? r.outcome.error : r.load_error;
    }

    PolicyFiles files_;
    std::unique_ptr<PolicySet> set_;
    ChatRequest req_;
    std::vector<std::pair<std::string, std::string>> headers_;
};

TEST_F(SandboxTest, InfiniteLoopHitsTheInstructionLimit) {
    EXPECT_NE(error_of("function route(req) while true do end end").find("instruction limit"), std::string::npos);
}

TEST_F(SandboxTest, DeepRecursionFails) {
    std::string e = error_of("local function f(n) return f(n + 1) + 1 end\nfunction route(req) return f(1) end");
    EXPECT_FALSE(e.empty());
    EXPECT_TRUE(e.find("stack overflow") != std::string::npos || e.find("memory") != std::string::npos ||
                e.find("instruction") != std::string::npos) << e;
}

TEST_F(SandboxTest, MemoryBombHitsTheMemoryCap) {
    // Whichever limit comes first (a loaded machine may reach the deadline before the cap).
    std::string e = error_of("function route(req) local t = {} for i = 1, 1e8 do t[i] = {i} end end");
    EXPECT_TRUE(e.find("memory limit") != std::string::npos || e.find("instruction limit") != std::string::npos ||
                e.find("time limit") != std::string::npos) << e;
    std::string e2 = error_of("function route(req) local s = 'x' for i = 1, 40 do s = s .. s end end");
    EXPECT_NE(e2.find("memory limit"), std::string::npos) << e2;
}

TEST_F(SandboxTest, DangerousLibrariesAreAbsent) {
    for (const char* lib : {"io", "os", "debug", "package", "require", "dofile", "loadfile", "collectgarbage",
                            "rawset", "print"}) {
        std::string body = std::string("function route(req) return ") + lib + ".x end";
        if (std::string(lib) == "require" || std::string(lib) == "dofile" || std::string(lib) == "loadfile" ||
            std::string(lib) == "collectgarbage" || std::string(lib) == "rawset" || std::string(lib) == "print")
            body = std::string("function route(req) return ") + lib + "('x') end";
        EXPECT_NE(error_of(body).find("nil"), std::string::npos) << lib;
    }
}

TEST_F(SandboxTest, StringDumpIsRemovedAndLoadRefusesBytecode) {
    EXPECT_NE(error_of("function route(req) return string.dump(route) end").find("nil"), std::string::npos);
    std::string e = error_of(
        "function route(req) local f, err = load('\\27Lua') if f then return {model='strong'} end "
        "error('refused: ' .. tostring(err)) end");
    EXPECT_NE(e.find("refused"), std::string::npos) << e;
    EXPECT_NE(e.find("binary"), std::string::npos) << e;
}

TEST_F(SandboxTest, TextLoadStillWorks) {
    PolicyRun r = run("function route(req) local f = load('return \"strong\"') return {model = f()} end");
    ASSERT_TRUE(r.load_error.empty()) << r.load_error;
    ASSERT_TRUE(r.outcome.decision) << r.outcome.error;
    EXPECT_EQ(r.outcome.decision->model, "strong");
}

TEST_F(SandboxTest, StringMetatableIsLocked) {
    EXPECT_NE(error_of("function route(req) local mt = getmetatable('') mt.__index = {} end").find("index"),
              std::string::npos);
    EXPECT_EQ(run("function route(req) return {model = getmetatable('') == 'locked' and 'strong' or 'weak'} end")
                  .outcome.decision->model,
              "strong");
}

TEST_F(SandboxTest, RequestViewIsReadOnly) {
    EXPECT_NE(error_of("function route(req) req.model = 'x' end").find("read-only"), std::string::npos);
    EXPECT_NE(error_of("function route(req) req.messages[1].content = 'x' end").find("read-only"), std::string::npos);
    EXPECT_NE(error_of("function route(req) req.key.tier = 'pro' end").find("read-only"), std::string::npos);
    EXPECT_NE(error_of("function route(req) setmetatable(req, nil) end").find("setmetatable"), std::string::npos);
    EXPECT_NE(error_of("function route(req) rawset(req, 'model', 1) end").find("nil"), std::string::npos);
}

TEST_F(SandboxTest, AViewKeptPastItsCallReachesNothing) {
    // The request view lives in an upvalue across calls; its lazy fields must not reach the
    // previous request's memory.
    config::PolicyConfig p = files_.write("keep", R"(
local saved = {}
function route(req)
  if saved.req then
    local stale = saved.req.messages
    if stale ~= nil then error("stale view reached old request") end
    return {model = "weak"}
  end
  saved.req = req
  return nil
end)");
    std::string error;
    auto set = PolicySet::load({p}, test::test_catalog(), error);
    ASSERT_TRUE(set) << error;
    ChatRequest first, second;
    parse_chat_request(R"({"model":"auto","messages":[{"role":"user","content":"one"}]})", first, true);
    parse_chat_request(R"({"model":"auto","messages":[{"role":"user","content":"two"}]})", second, true);
    PolicyInput in1{first, headers_, nullptr, 0, 0, 0, 0};
    EXPECT_FALSE(set->evaluate(in1).decision);
    PolicyInput in2{second, headers_, nullptr, 0, 0, 0, 0};
    Outcome o = set->evaluate(in2);
    ASSERT_TRUE(o.decision) << o.error;
    EXPECT_EQ(o.decision->model, "weak");
}

TEST_F(SandboxTest, GlobalsAreLockedAfterLoad) {
    EXPECT_NE(error_of("function route(req) counter = 1 end").find("assignment to global"), std::string::npos);
    EXPECT_NE(error_of("x = 1\nfunction route(req) x = 2 end").find("assignment to global"), std::string::npos);
    EXPECT_NE(error_of("function route(req) string = nil end").find("assignment to global"), std::string::npos);
    EXPECT_NE(error_of("function route(req) sy.log = nil end").find("read-only"), std::string::npos);
}

TEST_F(SandboxTest, BacktrackingPatternsAreCapped) {
    std::string pattern = "function route(req) return string.find(string.rep('a', 400), "
                          "string.rep('a-', 30) .. 'b') end";
    EXPECT_NE(error_of(pattern).find("could backtrack"), std::string::npos);
    std::string long_subject = "function route(req) return string.match(string.rep('a', 20000), 'a+') end";
    EXPECT_NE(error_of(long_subject).find("pattern subject"), std::string::npos);
    std::string method_call = "function route(req) local s = string.rep('a', 400) return s:find('a*a*a*b') end";
    EXPECT_NE(error_of(method_call).find("could backtrack"), std::string::npos);
    // One repetition on a 3,000-byte subject is fine (about n^2 steps); character sets do not count.
    PolicyRun ok = run("function route(req) local s = string.rep('a', 3000) .. 'b' "
                       "if s:find('a+b') and ('x-y'):match('[a-z-]+') then return {model = 'weak'} end end");
    ASSERT_TRUE(ok.outcome.decision) << ok.outcome.error << ok.load_error;
}

TEST_F(SandboxTest, LongSubjectsAreRefusedWithAClearError) {
    std::string e = error_of("function route(req) return ('a'):rep(16 * 1024 + 1):find('a') end");
    EXPECT_NE(e.find("pattern subject of 16385 bytes exceeds the sandbox limit of 16384"), std::string::npos) << e;
    EXPECT_NE(e.find("sy.matches"), std::string::npos) << e;
    // One repetition item on 4,000 bytes is about 1.6e7 steps: over the bound, refused up front.
    std::string one = error_of("function route(req) return ('a'):rep(4000):gsub('a-b', '') end");
    EXPECT_NE(one.find("1 repetition and 0 optional items on a 4000-byte subject"), std::string::npos) << one;
    // A plain find only scans: any subject up to the cap.
    PolicyRun plain = run("function route(req) if ('a'):rep(16000):find('aab', 1, true) == nil then "
                          "return {model = 'weak'} end end");
    ASSERT_TRUE(plain.outcome.decision) << plain.outcome.error << plain.load_error;
}

TEST_F(SandboxTest, OptionalItemsBalancesAndBackReferencesCount) {
    // 2^20 branches on a 20-byte subject: seconds in one C call without the guard.
    std::string optional = error_of("function route(req) return ('a'):rep(20):find(('a?'):rep(20) .. ('a'):rep(20)) end");
    EXPECT_NE(optional.find("20 optional items"), std::string::npos) << optional;
    std::string balance = error_of("function route(req) return ('('):rep(16000):find('%b()') end");
    EXPECT_NE(balance.find("could backtrack"), std::string::npos) << balance;
    std::string backref = error_of("function route(req) return ('a'):rep(3000):find('(a*)%1b') end");
    EXPECT_NE(backref.find("2 repetition"), std::string::npos) << backref;
    PolicyRun ok = run("function route(req) local s = ('x'):rep(2000) .. ' colour' "
                       "if s:find('colou?r') and s:match('%b()') == nil then return {model = 'weak'} end end");
    ASSERT_TRUE(ok.outcome.decision) << ok.outcome.error << ok.load_error;
}

TEST_F(SandboxTest, ALoopOfAllowedPatternCallsStopsAtTheDeadline) {
    // Each call is allowed (3,000 bytes, one repetition: about 4.5 million steps, well over the
    // 1 ms deadline on any machine) and the loop is too short for the count hook to fire in it:
    // only the check after each call stops it.
    config::PolicyConfig p = files_.write("loop", "function route(req) local s = ('a'):rep(3000) "
                                                  "for i = 1, 50 do s:find('a*b') end return {model = 'weak'} end");
    p.fail_closed = true;
    p.timeout_ms = 1;
    std::string load_error;
    auto set = PolicySet::load({p}, test::test_catalog(), load_error);
    ASSERT_TRUE(set) << load_error;
    ChatRequest req;
    parse_chat_request(R"({"model":"auto","messages":[{"role":"user","content":"hi"}]})", req, true);
    Outcome o = set->evaluate(PolicyInput{req, headers_, nullptr, 0, 0, 0, 0});
    EXPECT_FALSE(o.decision);
    EXPECT_NE(o.error.find("time limit of 1 ms exceeded"), std::string::npos) << o.error;
}

TEST_F(SandboxTest, LoadRefusesBinaryChunksWhateverModeIsAsked) {
    for (const char* call : {"load('\\27Lua', 'x', 'b')", "load('\\27Lua', 'x', 'bt')",
                             "load(function() if sent then return nil end sent = true return '\\27Lua' end)"}) {
        std::string e = error_of(std::string("function route(req) local sent = false local f, err = ") + call +
                                 " if f then return {model='strong'} end error('refused: ' .. tostring(err)) end");
        EXPECT_NE(e.find("attempt to load a binary chunk"), std::string::npos) << call << ": " << e;
    }
}

TEST_F(SandboxTest, ModestPatternsStillWork) {
    PolicyRun r = run("function route(req) if req.last_user_message:match('^(%w+)%s+[%a-]+$') then return {model = 'weak'} end end",
                "hello there");
    ASSERT_TRUE(r.outcome.decision) << r.outcome.error << r.load_error;
    EXPECT_EQ(r.outcome.decision->model, "weak");
}

TEST_F(SandboxTest, StringRepIsCapped) {
    EXPECT_NE(error_of("function route(req) return string.rep('x', 1e7) end").find("string.rep"), std::string::npos);
}

TEST_F(SandboxTest, ErrorsCarryTheLine) {
    std::string e = error_of("function route(req)\n  local x = nil\n  return x.y\nend");
    EXPECT_NE(e.find(":3:"), std::string::npos) << e;
    EXPECT_NE(e.find("policy 'p'"), std::string::npos) << e;
}

TEST_F(SandboxTest, LoadErrorsNameThePolicyAndLine) {
    PolicyRun r = run("function route(req)\n  return {model = \nend");
    EXPECT_NE(r.load_error.find("policy 'p'"), std::string::npos) << r.load_error;
    EXPECT_NE(r.load_error.find(":3:"), std::string::npos) << r.load_error;
    PolicyRun missing = run("local x = 1");
    EXPECT_NE(missing.load_error.find("route(req)"), std::string::npos) << missing.load_error;
}

}  // namespace
}  // namespace sy::policy
