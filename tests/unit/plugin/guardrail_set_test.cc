// The guardrail runner without a shared object: an in-test C table whose checks deny, fail or
// block until the test lets them go, so that timeouts need no sleeps and no timing assertions.
#include "plugin/guardrail_set.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>

namespace sy::plugin {
namespace {

// Checks that see "block" wait here until open(); every check notes the text it saw.
struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    int started = 0;          // checks that began
    int need_together = 0;    // "together": wait until this many checks began
    std::string last_seen;
    int finished = 0;
};
Gate gate;

void reset_gate() {
    std::lock_guard lock(gate.mu);
    gate.open = false;
    gate.started = gate.finished = gate.need_together = 0;
    gate.last_seen.clear();
}
void open_gate() {
    {
        std::lock_guard lock(gate.mu);
        gate.open = true;
    }
    gate.cv.notify_all();
}

void write(char* buf, size_t cap, const char* text) {
    size_t n = std::min(cap - 1, std::strlen(text));
    std::memcpy(buf, text, n);
    buf[n] = '\0';
}

// The config (a plain word here) adds to what every check of the instance sees.
sy_status create(const sy_host_api*, const char* cfg, size_t len, void** inst, sy_error*) {
    *inst = new std::string(cfg, len);
    return SY_OK;
}
void destroy(void* inst) { delete static_cast<std::string*>(inst); }

sy_status check(void* inst, const sy_request_view* req, sy_guardrail_verdict* out, sy_error* err) {
    std::string text(req->last_user_text.data, req->last_user_text.len);
    text += *static_cast<std::string*>(inst);
    std::unique_lock lock(gate.mu);
    ++gate.started;
    gate.cv.notify_all();
    if (text.find("together") != std::string::npos)
        gate.cv.wait(lock, [] { return gate.started >= gate.need_together || gate.open; });
    if (text.find("block") != std::string::npos) gate.cv.wait(lock, [] { return gate.open; });
    gate.last_seen = text;
    ++gate.finished;
    gate.cv.notify_all();
    if (text.find("fail") != std::string::npos) {
        write(err->message, err->cap, "plugin failed");
        return SY_ERR;
    }
    if (text.find("deny") != std::string::npos) {
        out->action = SY_GUARDRAIL_DENY;
        out->http_status = 200;  // not an error status: the host clamps it
        write(out->message, out->message_cap, "no thanks");
        write(out->reason, out->reason_cap, "test");
    }
    return SY_OK;
}

const sy_guardrail_vtable kTable{sizeof(sy_guardrail_vtable), create, destroy, check, nullptr};
const sy_plugin_descriptor kDescriptor{SY_PLUGIN_MAGIC, SY_ABI_MAJOR, SY_ABI_MINOR, sizeof(sy_plugin_descriptor),
                                       SY_KIND_GUARDRAIL, "test_guard", "1.0.0", nullptr, &kTable,
                                       sizeof kTable, 0, {nullptr, nullptr, nullptr, nullptr}};

class GuardrailSetTest : public ::testing::Test {
protected:
    void SetUp() override { reset_gate(); }
    void TearDown() override {
        open_gate();  // let abandoned checks finish before the next test
        std::unique_lock lock(gate.mu);
        gate.cv.wait(lock, [] { return gate.finished >= gate.started; });
    }

    std::shared_ptr<GuardrailInstance> make(const std::string& name, int64_t timeout_ms, bool deny_on_error,
                                            const std::string& mode = "") {
        config::GuardrailConfig cfg;
        cfg.plugin_config_json = mode;
        cfg.name = name;
        cfg.plugin = "test_guard";
        cfg.timeout_ms = timeout_ms;
        cfg.deny_on_error = deny_on_error;
        std::string error;
        auto g = GuardrailInstance::create(plugin_, nullptr, cfg, error);
        EXPECT_TRUE(g) << error;
        return g;
    }
    static ChatRequest request(const std::string& text) {
        ChatRequest r;
        r.model = "m";
        r.last_user_text = text;
        return r;
    }

    LoadedPlugin plugin_{"in-test", nullptr, &kDescriptor};
};

TEST_F(GuardrailSetTest, AllowsWhenEveryCheckAllows) {
    GuardrailSet set({make("a", 5000, true), make("b", 5000, true)}, 2, 8);
    EXPECT_TRUE(set.checks_requests());
    EXPECT_FALSE(set.checks_responses()) << "the table has no check_response";
    GuardrailRun run = set.check_request(request("hello"), "req-1");
    ASSERT_EQ(run.checks.size(), 2u);
    EXPECT_EQ(run.denial(), nullptr);
    EXPECT_EQ(run.checks[0].verdict, CheckVerdict::allow);
}

TEST_F(GuardrailSetTest, ADenyCarriesTheMessageReasonAndAClampedStatus) {
    GuardrailSet set({make("a", 5000, false)}, 1, 8);
    GuardrailRun run = set.check_request(request("please deny"), "req-1");
    const GuardrailCheck* d = run.denial();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->verdict, CheckVerdict::deny);
    EXPECT_EQ(d->detail.message, "no thanks");
    EXPECT_EQ(d->detail.reason, "test");
    EXPECT_EQ(d->detail.http_status, 400);
}

TEST_F(GuardrailSetTest, ATimeoutFailsOpenOrClosedByOnError) {
    GuardrailSet open_set({make("open", 20, false)}, 1, 8);
    GuardrailRun run = open_set.check_request(request("block"), "req-1");
    ASSERT_EQ(run.checks.size(), 1u);
    EXPECT_EQ(run.checks[0].verdict, CheckVerdict::timeout);
    EXPECT_EQ(run.denial(), nullptr) << "on_error allow lets the request through";
    open_gate();

    reset_gate();
    GuardrailSet closed_set({make("closed", 20, true)}, 1, 8);
    run = closed_set.check_request(request("block"), "req-2");
    ASSERT_NE(run.denial(), nullptr);
    EXPECT_EQ(run.denial()->verdict, CheckVerdict::timeout);
    EXPECT_NE(run.denial()->detail.error.find("20 ms"), std::string::npos) << run.denial()->detail.error;
}

TEST_F(GuardrailSetTest, AnErrorIsDecidedByOnError) {
    // One set each: in a shared set the closed check's denial may end the wait before the open one reports.
    GuardrailSet open_set({make("open", 5000, false)}, 1, 8);
    GuardrailRun run = open_set.check_request(request("fail"), "req-1");
    ASSERT_EQ(run.checks.size(), 1u);
    EXPECT_EQ(run.checks[0].verdict, CheckVerdict::error);
    EXPECT_EQ(run.checks[0].detail.error, "plugin failed");
    EXPECT_FALSE(run.checks[0].denies());
    EXPECT_EQ(run.denial(), nullptr);

    GuardrailSet closed_set({make("closed", 5000, true)}, 1, 8);
    run = closed_set.check_request(request("fail"), "req-2");
    ASSERT_NE(run.denial(), nullptr);
    EXPECT_EQ(run.denial()->verdict, CheckVerdict::error);
    EXPECT_EQ(run.denial()->guardrail->config().name, "closed");
}

TEST_F(GuardrailSetTest, ChecksOfOneRequestRunInParallel) {
    // Each check waits until both have started: run one after the other, both would time out.
    gate.need_together = 2;
    GuardrailSet set({make("a", 10000, true), make("b", 10000, true)}, 2, 8);
    GuardrailRun run = set.check_request(request("together"), "req-1");
    ASSERT_EQ(run.checks.size(), 2u);
    EXPECT_EQ(run.checks[0].verdict, CheckVerdict::allow);
    EXPECT_EQ(run.checks[1].verdict, CheckVerdict::allow);
}

TEST_F(GuardrailSetTest, ADenyEndsTheWaitForSlowerChecks) {
    GuardrailSet set({make("slow", 60000, false, " block"), make("fast", 60000, false, " deny")}, 2, 8);
    GuardrailRun run = set.check_request(request("hello"), "req-1");
    ASSERT_NE(run.denial(), nullptr);
    EXPECT_EQ(run.denial()->guardrail->config().name, "fast");
    ASSERT_EQ(run.checks.size(), 1u) << "the slow check is still running and is not waited for";
}

TEST_F(GuardrailSetTest, AnAbandonedCheckReadsItsOwnCopyOfTheRequest) {
    auto set = std::make_unique<GuardrailSet>(std::vector{make("g", 20, false)}, 1, 8);
    {
        ChatRequest req = request("block me, then read me");
        GuardrailRun run = set->check_request(req, "req-1");
        ASSERT_EQ(run.checks.at(0).verdict, CheckVerdict::timeout);
    }  // the request is gone, and so is the set
    set.reset();
    open_gate();
    std::unique_lock lock(gate.mu);
    gate.cv.wait(lock, [] { return gate.finished == 1; });
    EXPECT_EQ(gate.last_seen, "block me, then read me");
}

TEST_F(GuardrailSetTest, NoFreeWorkerIsAnErrorNotAWait) {
    GuardrailSet set({make("open", 60000, false), make("closed", 60000, true)}, 0, 0);  // nothing can queue
    GuardrailRun run = set.check_request(request("hello"), "req-1");
    ASSERT_EQ(run.checks.size(), 2u);
    EXPECT_EQ(run.checks[0].verdict, CheckVerdict::error);
    EXPECT_NE(run.checks[0].detail.error.find("busy"), std::string::npos);
    ASSERT_NE(run.denial(), nullptr);
    EXPECT_EQ(run.denial()->guardrail->config().name, "closed");
}

TEST(WorkerPoolTest, RefusesJobsBeyondTheQueueBound) {
    std::mutex mu;
    std::condition_variable cv;
    bool started = false, release = false;
    int ran = 0;
    WorkerPool pool(1, 1);
    ASSERT_TRUE(pool.submit([&] {
        std::unique_lock lock(mu);
        started = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
        ++ran;
    }));
    {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return started; });  // the only worker holds the first job
    }
    EXPECT_TRUE(pool.submit([&] {
        std::lock_guard lock(mu);
        ++ran;
        cv.notify_all();
    })) << "one job may wait";
    EXPECT_FALSE(pool.submit([] {})) << "a second waiting job is refused";
    {
        std::unique_lock lock(mu);
        release = true;
        cv.notify_all();
        cv.wait(lock, [&] { return ran == 2; });
    }
    EXPECT_EQ(ran, 2);
}

}  // namespace
}  // namespace sy::plugin
