#include "server/shadow.hpp"

#include <cstdlib>
#include <ctime>
#include <random>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "server/cascade.hpp"
#include "server/gateway.hpp"
#include "server/quality_log.hpp"
#include "server/shadow_compare.hpp"

namespace sy::server {
namespace {

constexpr size_t kMaxShadowBody = 64 * 1024 * 1024;

const config::ShadowConfig* shadow_config(const routing::Runtime& rt, const std::string& router) {
    auto it = rt.routers().find(router);
    if (it == rt.routers().end()) return nullptr;
    const config::ShadowConfig& s = it->second.instance->config().shadow;
    return s.enabled ? &s : nullptr;
}

bool sampled(double share) {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    return share >= 1 || std::uniform_real_distribution<double>(0, 1)(gen) < share;
}

// The router's spend in the current period: <prefix>:shadow:<router>:<period number>.
std::string budget_key(const config::Config& cfg, const std::string& router, const config::ShadowConfig& s) {
    return cfg.state.key_prefix + ":shadow:" + router + ":" + std::to_string(std::time(nullptr) / s.period_s);
}

}  // namespace

ShadowRunner::ShadowRunner(Gateway& g) : g_(g), worker_([this] { run(); }) {}

ShadowRunner::~ShadowRunner() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
        queue_.clear();
    }
    wake_.notify_all();
    worker_.join();
}

bool ShadowRunner::wants(const routing::Runtime& rt, const routing::RouteDecision& d) {
    if (d.router.empty() || !d.model) return false;
    const config::ShadowConfig* s = shadow_config(rt, d.router);
    if (!s || rt.find_model(s->baseline) == d.model || is_cascade(rt, d)) return false;
    return sampled(s->sample);
}

void ShadowRunner::submit(std::shared_ptr<const routing::Runtime> rt, const ChatRequest& request,
                          const std::string& request_id, const routing::RouteDecision& d, const CallOutcome& out,
                          const std::string& answer) {
    if (out.client_gone || out.stream_error || out.status < 200 || out.status >= 300 || answer.empty()) return;
    const config::ShadowConfig* s = shadow_config(*rt, d.router);
    if (!s || rt->find_model(s->baseline) == d.model) return;  // a fallback reached the baseline itself
    Job job{std::move(rt), request, request_id, d.router, d.model->config->name, answer};
    job.request.stream = false;
    job.request.include_usage = false;
    {
        std::lock_guard lock(mu_);
        if (queue_.size() < kMaxQueued) {
            queue_.push_back(std::move(job));
            wake_.notify_one();
            return;
        }
    }
    g_.quality().add_shadow(d.router, quality::ShadowOutcome::dropped_queue_full);
}

void ShadowRunner::run() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mu_);
            wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
            if (stop_) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        shadow(job);
    }
}

void ShadowRunner::shadow(const Job& job) {
    const routing::Runtime& rt = *job.rt;
    const config::ShadowConfig& s = *shadow_config(rt, job.router);
    quality::Board& board = g_.quality();
    auto fail = [&](const std::string& why, double cost_usd = 0) {
        board.add_shadow(job.router, quality::ShadowOutcome::failed, cost_usd);
        log::warn("shadow", job.request_id + " router '" + job.router + "': " + why);
    };
    state::Store* store = g_.store();
    if (!store) return fail("no state store to keep the shadow budget in");
    const std::string key = budget_key(rt.config(), job.router, s);
    std::string get[] = {"GET", key};
    state::Reply spent = store->command(get);
    if (!spent.ok()) {
        metrics::Gateway::get().store_errors.with({std::string(g_.state_backend()), "shadow"}).inc();
        return fail("cannot read the shadow budget: " + spent.str);
    }
    const int64_t limit_nano = static_cast<int64_t>(s.budget_usd * 1e9);
    if (spent.type == state::Reply::Type::string && std::strtoll(spent.str.c_str(), nullptr, 10) >= limit_nano)
        return board.add_shadow(job.router, quality::ShadowOutcome::over_budget);

    const routing::Model* baseline = rt.find_model(s.baseline);
    const routing::Deployment* dep = baseline ? routing::Runtime::pick_deployment(*baseline) : nullptr;
    if (!dep) return fail("baseline model '" + s.baseline + "' has no deployment");
    Captured base = capture_completion(job.request, job.request_id, *dep, -1, kMaxShadowBody);
    int64_t cost = captured_cost(*baseline, *dep, job.request, base);
    Comparison cmp;
    if (base.error) cmp.error = "baseline '" + s.baseline + "': " + base.error->message;
    else cmp = compare_answers(rt, s, job.request, job.request_id, job.answer, completion_text(base.body));
    cost += cmp.cost_nano;
    if (cost > 0) {  // spent whatever the verdict; the key outlives its period by one
        std::string incr[] = {"INCRBY", key, std::to_string(cost)};
        std::string expire[] = {"PEXPIRE", key, std::to_string(s.period_s * 2000)};
        if (!store->command(incr).ok() || !store->command(expire).ok())
            metrics::Gateway::get().store_errors.with({std::string(g_.state_backend()), "shadow"}).inc();
    }
    const double cost_usd = static_cast<double>(cost) / 1e9;
    if (!cmp.verdict) return fail(cmp.error, cost_usd);
    board.add_shadow(job.router, quality::ShadowOutcome::judged, cost_usd);
    board.add_verdict(job.router, *cmp.verdict);
    log_shadow(g_, {job.request_id, job.router, job.model, baseline->config->name, *cmp.verdict, cost_usd});
}

}  // namespace sy::server
