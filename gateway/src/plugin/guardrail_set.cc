#include "plugin/guardrail_set.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "core/clock.hpp"
#include "plugin/instances.hpp"

namespace sy::plugin {
namespace {

// Checks waiting for a worker beyond this many per worker fail at once (on_error decides):
// under overload a queue that long would only turn every check into a timeout.
constexpr size_t kQueuePerWorker = 16;
constexpr size_t kMaxWorkers = 64;

metrics::Series& checks_counter(const std::string& guardrail, GuardStage stage, CheckVerdict verdict) {
    static metrics::Family& f = metrics::Registry::instance().counter(
        "switchyard_guardrail_checks_total",
        "Guardrail checks by guardrail, stage (request, response) and verdict (allow, deny, timeout, error)",
        {"guardrail", "stage", "verdict"});
    return f.with({guardrail, stage_name(stage), verdict_name(verdict)});
}

metrics::Histogram& duration_histogram(const std::string& guardrail, GuardStage stage) {
    static metrics::HistogramFamily& h = metrics::Registry::instance().histogram(
        "switchyard_guardrail_check_seconds", "Time a request waited for one guardrail check (at most its timeout)",
        {"guardrail", "stage"}, metrics::overhead_buckets());
    return h.with({guardrail, stage_name(stage)});
}

// One stage's checks of one request: each worker writes its slot, the caller reads them.
struct Batch {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::optional<GuardrailVerdict>> results;
    std::vector<int64_t> finished_ns;
};

void record(const GuardrailCheck& c, GuardStage stage, const std::string& request_id) {
    const config::GuardrailConfig& cfg = c.guardrail->config();
    checks_counter(cfg.name, stage, c.verdict).inc();
    duration_histogram(cfg.name, stage).observe(static_cast<double>(c.duration_ns) / 1e9);
    std::string what = request_id + " guardrail '" + cfg.name + "' (" + stage_name(stage) + ")";
    if (c.verdict == CheckVerdict::deny)
        log::info("guardrails", what + " denied" + (c.detail.reason.empty() ? "" : ": " + c.detail.reason));
    else if (c.verdict != CheckVerdict::allow)
        log::warn("guardrails", what + " " + verdict_name(c.verdict) + ": " + c.detail.error + "; on_error " +
                                    (cfg.deny_on_error ? "deny refuses it" : "allow lets it through"));
}

}  // namespace

const char* stage_name(GuardStage stage) { return stage == GuardStage::request ? "request" : "response"; }

const char* verdict_name(CheckVerdict verdict) {
    switch (verdict) {
        case CheckVerdict::allow: return "allow";
        case CheckVerdict::deny: return "deny";
        case CheckVerdict::timeout: return "timeout";
        case CheckVerdict::error: return "error";
    }
    return "error";
}

bool GuardrailCheck::denies() const {
    return verdict == CheckVerdict::deny ||
           (verdict != CheckVerdict::allow && guardrail && guardrail->config().deny_on_error);
}

const GuardrailCheck* GuardrailRun::denial() const {
    for (const GuardrailCheck& c : checks)
        if (c.denies()) return &c;
    return nullptr;
}

// Copies of what a check reads, owned by its job: the request may be answered (and its buffers
// gone) while a check the caller stopped waiting for still runs.
struct GuardrailSet::Input {
    ChatRequest request;
    std::string request_id;
    AnswerToCheck answer;

    Input(const ChatRequest& req, std::string id) : request(req), request_id(std::move(id)) {}
    sy_request_view view() const { return make_request_view(request, request_id); }
};

std::unique_ptr<GuardrailSet> GuardrailSet::build(const config::Config& cfg, const PluginRegistry& registry,
                                                  std::shared_ptr<const void> keepalive, const sy_host_api* host,
                                                  std::string& error) {
    std::vector<std::shared_ptr<GuardrailInstance>> list;
    for (size_t i = 0; i < cfg.guardrails.size(); ++i) {
        const config::GuardrailConfig& gc = cfg.guardrails[i];
        std::string key = "guardrails[" + std::to_string(i) + "]";
        const LoadedPlugin* plugin = registry.find(gc.plugin);
        if (!plugin) {
            error = key + ".plugin: no loaded plugin named '" + gc.plugin + "'" + registry.refusal_of(gc.plugin);
            return nullptr;
        }
        std::string why;
        auto inst = GuardrailInstance::create(*plugin, keepalive, gc, why, host);
        if (!inst) {
            error = key + ": " + why;
            return nullptr;
        }
        list.push_back(std::move(inst));
    }
    // Enough workers for every server thread to have each of its checks running at once.
    size_t threads = std::clamp<size_t>(static_cast<size_t>(std::max(1, cfg.server.max_threads)) * list.size(), 2,
                                        kMaxWorkers);
    if (list.empty()) threads = 0;
    return std::make_unique<GuardrailSet>(std::move(list), threads, threads * kQueuePerWorker);
}

GuardrailSet::GuardrailSet(std::vector<std::shared_ptr<GuardrailInstance>> guardrails, size_t threads,
                           size_t max_queued)
    : guardrails_(std::move(guardrails)), pool_(std::make_unique<WorkerPool>(threads, max_queued)) {}

bool GuardrailSet::checks_requests() const {
    return std::any_of(guardrails_.begin(), guardrails_.end(), [](const auto& g) { return g->checks_requests(); });
}

bool GuardrailSet::checks_responses() const {
    return std::any_of(guardrails_.begin(), guardrails_.end(), [](const auto& g) { return g->checks_responses(); });
}

GuardrailRun GuardrailSet::check_request(const ChatRequest& req, const std::string& request_id) const {
    if (!checks_requests()) return {};
    return run(GuardStage::request, std::make_shared<const Input>(req, request_id));
}

GuardrailRun GuardrailSet::check_response(const ChatRequest& req, const std::string& request_id,
                                          AnswerToCheck answer) const {
    if (!checks_responses()) return {};
    auto input = std::make_shared<Input>(req, request_id);
    input->answer = std::move(answer);
    return run(GuardStage::response, std::move(input));
}

GuardrailRun GuardrailSet::run(GuardStage stage, std::shared_ptr<const Input> input) const {
    const size_t n = guardrails_.size();
    auto batch = std::make_shared<Batch>();
    batch->results.resize(n);
    batch->finished_ns.resize(n);
    std::vector<bool> active(n, false), queued(n, false);
    const int64_t start = clock::steady_ns();
    for (size_t i = 0; i < n; ++i) {
        std::shared_ptr<GuardrailInstance> g = guardrails_[i];
        active[i] = stage == GuardStage::request ? g->checks_requests() : g->checks_responses();
        if (!active[i]) continue;
        queued[i] = pool_->submit([g, input, batch, i, stage] {
            sy_request_view view = input->view();
            GuardrailVerdict v;
            if (stage == GuardStage::request) {
                v = g->check_request(view);
            } else {
                const AnswerToCheck& a = input->answer;
                sy_guardrail_response r{sizeof(sy_guardrail_response), &view, to_sy_str(a.model), to_sy_str(a.text),
                                        to_sy_str(a.json), a.streamed ? 1 : 0, 0};
                v = g->check_response(r);
            }
            const int64_t done = clock::steady_ns();
            {
                std::lock_guard lock(batch->mu);
                batch->results[i] = std::move(v);
                batch->finished_ns[i] = done;
            }
            batch->cv.notify_all();
        });
    }
    // Decide each check as its answer or its deadline comes; a deny ends the wait for the rest.
    std::vector<std::optional<GuardrailCheck>> decided(n);
    std::unique_lock lock(batch->mu);
    for (;;) {
        const int64_t now = clock::steady_ns();
        int64_t next = std::numeric_limits<int64_t>::max();
        bool pending = false, denied = false;
        for (size_t i = 0; i < n; ++i) {
            if (!active[i]) continue;
            if (!decided[i]) {
                const GuardrailInstance* g = guardrails_[i].get();
                const int64_t deadline = start + g->config().timeout_ms * 1000000;
                GuardrailCheck c{g, CheckVerdict::error, {}, now - start};
                if (!queued[i]) {
                    c.detail.error = "every guardrail worker is busy";
                } else if (batch->results[i]) {
                    c.detail = std::move(*batch->results[i]);
                    c.duration_ns = batch->finished_ns[i] - start;
                    c.verdict = !c.detail.error.empty() ? CheckVerdict::error
                                : c.detail.deny         ? CheckVerdict::deny
                                                        : CheckVerdict::allow;
                } else if (now >= deadline) {
                    c.verdict = CheckVerdict::timeout;
                    c.detail.error = "no answer within " + std::to_string(g->config().timeout_ms) + " ms";
                } else {
                    pending = true;
                    next = std::min(next, deadline);
                    continue;
                }
                decided[i] = std::move(c);
            }
            denied = denied || decided[i]->denies();
        }
        if (denied || !pending) break;
        batch->cv.wait_until(lock, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)));
    }
    lock.unlock();
    GuardrailRun out;
    for (size_t i = 0; i < n; ++i) {
        if (!decided[i]) continue;
        record(*decided[i], stage, input->request_id);
        out.checks.push_back(std::move(*decided[i]));
    }
    return out;
}

}  // namespace sy::plugin
