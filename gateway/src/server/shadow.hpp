// Shadow mode (routers[].shadow): a sample of the requests a router sent to another model than
// its baseline is asked again of the baseline, and the two answers compared, to estimate how
// much quality the routing keeps. All of it happens on one background thread after the client
// has its answer: a bounded queue (a full queue drops the shadow and counts it), a budget per
// router and period kept in the state store (so instances share it), and no effect on the
// client's answer or latency. The shadow and judge calls are not client traffic: they appear in
// switchyard_shadow_* only, not in the request, token and cost series.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <switchyard/chat_request.hpp>

#include "routing/runtime.hpp"
#include "server/provider_call.hpp"

namespace sy::server {

class Gateway;

class ShadowRunner {
public:
    static constexpr size_t kMaxQueued = 64;

    explicit ShadowRunner(Gateway& g);
    ~ShadowRunner();  // drops what is queued and waits for the shadow in hand
    ShadowRunner(const ShadowRunner&) = delete;
    ShadowRunner& operator=(const ShadowRunner&) = delete;

    // Before the call, on the request path: whether this request is sampled for a shadow (a
    // router with shadow mode chose another model than the baseline; not a cascade, whose
    // answer is chosen by checks). The caller then keeps the answer's text.
    static bool wants(const routing::Runtime& rt, const routing::RouteDecision& d);
    // After the answer was sent: queues the shadow of a successful answer.
    void submit(std::shared_ptr<const routing::Runtime> rt, const ChatRequest& request, const std::string& request_id,
                const routing::RouteDecision& d, const CallOutcome& out, const std::string& answer);

private:
    struct Job {
        std::shared_ptr<const routing::Runtime> rt;  // keeps the models and deployments alive
        ChatRequest request;
        std::string request_id, router, model, answer;
    };
    void run();
    void shadow(const Job& job);

    Gateway& g_;
    std::mutex mu_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool stop_ = false;
    std::thread worker_;
};

}  // namespace sy::server
