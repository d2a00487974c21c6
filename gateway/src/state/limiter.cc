#include "state/limiter.hpp"

#include <sys/random.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "core/clock.hpp"
#include "state/memory_store.hpp"

namespace sy::state {

extern const char kLimitsLua[];

const Script& limits_script() {
    static const Script s("limits.lua", kLimitsLua);
    return s;
}

namespace {

constexpr auto kFlushEvery = std::chrono::milliseconds(250);
constexpr size_t kBatch = 256;      // settlements per pipelined round trip
// Past this many queued settlements, request threads settle themselves: the queue lags the
// answers by at most a couple of batches, so reservations and concurrency slots are released
// promptly even when Redis is saturated (back-pressure instead of a growing backlog).
constexpr size_t kMaxQueued = 2 * kBatch;

std::string random_hex(size_t bytes) {
    std::string raw(bytes, '\0');
    if (getrandom(raw.data(), raw.size(), 0) != static_cast<ssize_t>(raw.size())) {
        auto t = std::chrono::steady_clock::now().time_since_epoch().count();
        raw.assign(reinterpret_cast<const char*>(&t), sizeof t);
    }
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A limit scaled to this instance's share in `local` mode (at least 1 where a limit is set).
int64_t scaled(int64_t limit, double share) {
    if (limit < 0 || share >= 1.0) return limit;
    return std::max<int64_t>(limit > 0 ? 1 : 0, static_cast<int64_t>(std::floor(static_cast<double>(limit) * share)));
}

// The request's levels as the native limits take them: views into the principal, the limits
// scaled to `share`. Kept on the stack for the usual few levels.
class NativeLevels {
public:
    NativeLevels(const Principal& who, double share) {
        if (who.levels.size() > inline_.size()) spill_.resize(who.levels.size());
        NativeLimits::Level* out = spill_.empty() ? inline_.data() : spill_.data();
        for (const Level& l : who.levels)
            *out++ = {l.scope, scaled(l.limits.budget_nano_usd, share), scaled(l.limits.rpm, share),
                      scaled(l.limits.tpm, share), scaled(l.limits.max_concurrent, share), l.limits.period};
        size_ = who.levels.size();
    }
    std::span<const NativeLimits::Level> span() const {
        return {spill_.empty() ? inline_.data() : spill_.data(), size_};
    }

private:
    std::array<NativeLimits::Level, 4> inline_{};
    std::vector<NativeLimits::Level> spill_;
    size_t size_ = 0;
};

// The script's name for the limit that refused, as the native limits name it.
const char* limit_kind(std::string_view kind) {
    for (const char* k : {"budget", "rpm", "tpm", "concurrency"})
        if (kind == k) return k;
    return "unknown";
}

}  // namespace

const char* const Limiter::kOpNames[Limiter::kOps] = {"admit", "settle", "read", "spend", "settle_batch", "replay"};

// Times one store call into the duration histogram and counts failures.
class Limiter::StoreCall {
public:
    StoreCall(Limiter& limiter, const Store& store, Op op)
        : limiter_(limiter), store_(store), op_(op), start_(std::chrono::steady_clock::now()) {}
    void done(const Reply& r) const { done(r.ok()); }
    void done(bool ok) const {
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - start_;
        limiter_.timer(store_, op_).observe(took.count());
        if (!ok)
            metrics::Gateway::get()
                .store_errors.with({std::string(store_.kind()), kOpNames[static_cast<size_t>(op_)]})
                .inc();
    }

private:
    Limiter& limiter_;
    const Store& store_;
    Op op_;
    std::chrono::steady_clock::time_point start_;
};

// The duration histogram of an operation on one of the two stores, looked up once.
metrics::Histogram& Limiter::timer(const Store& store, Op op) {
    auto& slot = (&store == local_.get() ? local_timers_ : shared_timers_)[static_cast<size_t>(op)];
    metrics::Histogram* h = slot.load(std::memory_order_acquire);
    if (!h) {
        h = &metrics::Gateway::get().store_duration.with({std::string(store.kind()), kOpNames[static_cast<size_t>(op)]});
        slot.store(h, std::memory_order_release);
    }
    return *h;
}

Reply Limiter::timed_eval(Store& store, Op op, std::span<const std::string> keys, std::span<const std::string> args) {
    StoreCall call(*this, store, op);
    Reply r = store.eval(limits_script(), keys, args);
    call.done(r);
    return r;
}

// The limits of a store answered natively (the in-process store), and its clock; null otherwise.
NativeLimits* Limiter::native(const Store& store, int64_t& now) const {
    MemoryStore* m = &store == store_.get() ? shared_memory_ : &store == local_.get() ? local_.get() : nullptr;
    NativeLimits* n = m ? m->native_limits() : nullptr;
    if (n) now = m->now_ms();
    return n;
}

Limiter::Limiter(std::shared_ptr<Store> store, LimiterOptions options)
    : store_(std::move(store)), opt_(std::move(options)), budget_views_(opt_.budget_view_ttl_ms), instance_(random_hex(6)) {
    if (store_->kind() != "memory") local_ = std::make_unique<MemoryStore>();  // for `local` levels
    shared_memory_ = dynamic_cast<MemoryStore*>(store_.get());
    if (store_->kind() != "memory") background_ = std::thread([this] { background(); });
}

Limiter::~Limiter() {
    {
        std::lock_guard lock(pending_mu_);
        stop_ = true;
    }
    wake_.notify_all();
    if (background_.joinable()) background_.join();
    if (!pending_.empty())
        log::warn("state", std::to_string(pending_.size()) + " spend records not replayed into the store at shutdown");
}

std::string Limiter::group_key(const std::string& group) const { return opt_.key_prefix + ":{" + group + "}:rx"; }

std::vector<std::string> Limiter::level_args(const Principal& who, double share) const {
    std::vector<std::string> out;
    out.reserve(1 + who.levels.size() * 6);
    out.push_back(std::to_string(who.levels.size()));
    const NativeLevels levels(who, share);  // the same levels, as text
    for (const NativeLimits::Level& l : levels.span()) {
        out.emplace_back(l.scope);
        out.push_back(std::to_string(l.budget));
        out.emplace_back(l.period);
        out.push_back(std::to_string(l.rpm));
        out.push_back(std::to_string(l.tpm));
        out.push_back(std::to_string(l.conc));
    }
    return out;
}

// The store's answer to an admission: natively from the in-process store, else the script's
// reply read into the same form. Nullopt when the store failed (failure says how).
std::optional<NativeLimits::AdmitResult> Limiter::admit_call(Store& store, const Principal& who, const std::string& id,
                                                             int64_t cost_nano, int64_t tokens, double share,
                                                             Reply& failure) {
    const std::string group = group_key(who.group);
    int64_t now = 0;
    if (NativeLimits* n = native(store, now)) {
        StoreCall call(*this, store, Op::admit);
        NativeLimits::AdmitResult a = n->admit(group, id, opt_.reservation_ttl_ms, cost_nano, tokens,
                                               NativeLevels(who, share).span(), now);
        call.done(true);
        return a;
    }
    std::vector<std::string> keys{group};
    std::vector<std::string> args{"admit", id, std::to_string(opt_.reservation_ttl_ms), std::to_string(cost_nano),
                                  std::to_string(tokens)};
    std::vector<std::string> levels = level_args(who, share);
    args.insert(args.end(), std::make_move_iterator(levels.begin()), std::make_move_iterator(levels.end()));
    Reply r = timed_eval(store, Op::admit, keys, args);
    if (!r.ok() || r.type != Reply::Type::array || r.elements.size() < 7) {
        failure = r.ok() ? Reply::error("limits.lua: unexpected admit reply") : std::move(r);
        return std::nullopt;
    }
    NativeLimits::AdmitResult a;
    a.admitted = r.int_at(0) == 1;
    if (a.admitted) {
        a.req_limit = r.int_at(2);
        a.req_remaining = r.int_at(3);
        a.req_reset = r.int_at(4);
        a.tok_limit = r.int_at(5);
        a.tok_remaining = r.int_at(6);
        a.tok_reset = r.int_at(7);
        return a;
    }
    a.level = static_cast<size_t>(std::max<int64_t>(1, r.int_at(1)) - 1);
    a.kind = limit_kind(r.str_at(2));
    a.limit = r.int_at(3);
    a.used = r.int_at(4);
    a.wait = r.int_at(5);
    return a;
}

Admission Limiter::admit_in(Store& store, const Principal& who, int64_t cost_nano, int64_t tokens, double share,
                            Reply& failure) {
    Admission a;
    std::string id = instance_ + "-" + std::to_string(seq_.fetch_add(1, std::memory_order_relaxed));
    std::optional<NativeLimits::AdmitResult> r = admit_call(store, who, id, cost_nano, tokens, share, failure);
    if (!r) {
        a.result = Admission::Result::unavailable;
        a.error = failure.str;
        return a;
    }
    if (r->admitted) {
        a.reservation = std::move(id);
        a.req_limit = r->req_limit;
        a.req_remaining = std::max<int64_t>(0, r->req_remaining);
        a.req_reset_ms = r->req_reset;
        a.tok_limit = r->tok_limit;
        a.tok_remaining = std::max<int64_t>(0, r->tok_remaining);
        a.tok_reset_ms = r->tok_reset;
        return a;
    }
    a.result = Admission::Result::rejected;
    a.level = r->level;
    a.kind = r->kind;
    a.limit = r->limit;
    a.used = r->used;
    a.retry_after_ms = r->wait;
    const std::string level = a.level < who.levels.size() ? who.levels[a.level].label : "unknown";
    auto& m = metrics::Gateway::get();
    if (a.kind == "budget") m.budget_rejections.with({level}).inc();
    else m.rate_limited.with({level, a.kind}).inc();
    return a;
}

// The strictest degraded mode of the request's levels (closed, then local, then open); a level
// without its own on_store_failure follows state.on_failure.
config::OnStoreFailure Limiter::degraded_mode(const Principal& who) const {
    auto rank = [](config::OnStoreFailure m) {
        return m == config::OnStoreFailure::closed ? 2 : m == config::OnStoreFailure::local ? 1 : 0;
    };
    if (who.levels.empty()) return opt_.on_failure;
    config::OnStoreFailure mode = config::OnStoreFailure::open;
    for (const Level& l : who.levels) {
        config::OnStoreFailure m = l.limits.on_store_failure.value_or(opt_.on_failure);
        if (rank(m) > rank(mode)) mode = m;
    }
    return mode;
}

Admission Limiter::admit(const Principal& who, int64_t cost_nano, int64_t tokens) {
    Reply failure;
    Admission a = admit_in(*store_, who, cost_nano, tokens, 1.0, failure);
    if (a.result != Admission::Result::unavailable) {
        if (degraded()) set_degraded(false, "");
        a.where = Admission::Where::shared;
        return a;
    }
    // A script error is a bug rather than an outage, but its answer is as unknown: the same mode applies.
    if (failure.type == Reply::Type::error) log::error("state", "limits script failed: " + failure.str);
    else set_degraded(true, failure.str);
    switch (degraded_mode(who)) {
    case config::OnStoreFailure::closed: return a;  // unavailable: the caller answers 503
    case config::OnStoreFailure::local:
        if (local_) {
            Reply local_failure;
            Admission l = admit_in(*local_, who, cost_nano, tokens, opt_.local_share, local_failure);
            if (l.result != Admission::Result::unavailable) {
                l.where = Admission::Where::local;
                return l;
            }
        }
        [[fallthrough]];
    case config::OnStoreFailure::open:
        a = Admission{};
        a.where = Admission::Where::unenforced;
        return a;
    }
    return a;
}

std::vector<std::string> Limiter::settle_args(const Principal& who, const std::string& id, int64_t cost_nano,
                                              int64_t tokens) const {
    std::vector<std::string> args{"settle", id, std::to_string(cost_nano), std::to_string(tokens),
                                  std::to_string(wall_ms()), who.ledger_field};
    std::vector<std::string> levels = level_args(who, 1.0);
    args.insert(args.end(), std::make_move_iterator(levels.begin()), std::make_move_iterator(levels.end()));
    return args;
}

// Settles (or, with an empty id, charges) on one store: natively on the in-process one.
Reply Limiter::settle_call(Store& store, const Principal& who, const std::string& id, int64_t cost_nano,
                           int64_t tokens) {
    int64_t now = 0;
    if (NativeLimits* n = native(store, now)) {
        StoreCall call(*this, store, Op::settle);
        bool charged = n->settle(group_key(who.group), id, cost_nano, tokens, wall_ms(), who.ledger_field,
                                 NativeLevels(who, 1.0).span(), now);
        call.done(true);
        return {Reply::Type::integer, charged ? 1 : 0, {}, {}};
    }
    std::vector<std::string> keys{group_key(who.group)};
    return timed_eval(store, Op::settle, keys, settle_args(who, id, cost_nano, tokens));
}

void Limiter::settle(const Principal& who, const Admission& admitted, int64_t cost_nano, int64_t tokens) {
    if (admitted.result != Admission::Result::admitted) return;
    switch (admitted.where) {
    case Admission::Where::shared: {
        Reply r = settle_call(*store_, who, admitted.reservation, cost_nano, tokens);
        if (r.type == Reply::Type::failure) {
            std::lock_guard lock(pending_mu_);
            if (pending_.size() < opt_.max_pending)
                pending_.push_back({{group_key(who.group)}, settle_args(who, admitted.reservation, cost_nano, tokens)});
            else metrics::Gateway::get().dropped_charges.with({}).inc();
        } else if (!r.ok()) {
            log::error("state", "settling a reservation failed: " + r.str);
        }
        return;
    }
    case Admission::Where::local:
        if (local_) settle_call(*local_, who, admitted.reservation, cost_nano, tokens);
        remember(who, "~" + admitted.reservation, cost_nano, tokens);
        return;
    case Admission::Where::unenforced:
        remember(who, "~" + instance_ + "-u" + std::to_string(seq_.fetch_add(1)), cost_nano, tokens);
        return;
    case Admission::Where::none: return;
    }
}

void Limiter::charge(const Principal& who, int64_t cost_nano, int64_t tokens) {
    if (background_.joinable()) {  // ledger only: nothing waits for it, send it with the next batch
        std::lock_guard lock(pending_mu_);
        if (queued_.size() < kMaxQueued) {
            queued_.push_back({{group_key(who.group)}, settle_args(who, "", cost_nano, tokens)});
            if (queued_.size() == 1) wake_.notify_all();
            return;
        }
    }
    Reply r = settle_call(*store_, who, "", cost_nano, tokens);
    if (r.type == Reply::Type::failure)
        remember(who, "~" + instance_ + "-c" + std::to_string(seq_.fetch_add(1)), cost_nano, tokens);
}

// Spend of a request admitted without the shared store, replayed into it later (once per id).
void Limiter::remember(const Principal& who, const std::string& id, int64_t cost_nano, int64_t tokens) {
    if (store_->kind() == "memory") return;  // nothing to replay into
    std::vector<std::string> args = settle_args(who, id, cost_nano, tokens);
    std::lock_guard lock(pending_mu_);
    if (pending_.size() >= opt_.max_pending) {
        metrics::Gateway::get().dropped_charges.with({}).inc();
        return;
    }
    pending_.push_back({{group_key(who.group)}, std::move(args)});
    metrics::Gateway::get().pending_charges.with({}).set(static_cast<double>(pending_.size()));
}

size_t Limiter::pending() const {
    std::lock_guard lock(pending_mu_);
    return pending_.size();
}

void Limiter::settle_later(const Principal& who, const Admission& admitted, int64_t cost_nano, int64_t tokens) {
    if (admitted.result != Admission::Result::admitted || admitted.where != Admission::Where::shared ||
        !background_.joinable())
        return settle(who, admitted, cost_nano, tokens);
    {
        std::lock_guard lock(pending_mu_);
        if (queued_.size() < kMaxQueued) {
            queued_.push_back({{group_key(who.group)}, settle_args(who, admitted.reservation, cost_nano, tokens)});
            if (queued_.size() == 1) wake_.notify_all();
            return;
        }
    }
    settle(who, admitted, cost_nano, tokens);  // the queue is full: settle on this thread
}

// Settlements the store could not take go to the replay queue; script errors are logged.
void Limiter::park_failed(std::vector<PendingCharge>& calls, const std::vector<Reply>& replies) {
    std::lock_guard lock(pending_mu_);
    for (size_t i = 0; i < calls.size() && i < replies.size(); ++i) {
        if (replies[i].type == Reply::Type::failure) {
            if (pending_.size() < opt_.max_pending) pending_.push_back(std::move(calls[i]));
            else metrics::Gateway::get().dropped_charges.with({}).inc();
        } else if (!replies[i].ok()) {
            log::error("state", "settling a reservation failed: " + replies[i].str);
        }
    }
}

void Limiter::send_queued() {
    for (;;) {
        std::vector<PendingCharge> batch;
        {
            std::lock_guard lock(pending_mu_);
            if (queued_.empty()) return;
            size_t n = std::min(kBatch, queued_.size());
            batch.assign(std::make_move_iterator(queued_.begin()), std::make_move_iterator(queued_.begin() + static_cast<long>(n)));
            queued_.erase(queued_.begin(), queued_.begin() + static_cast<long>(n));
        }
        StoreCall call(*this, *store_, Op::settle_batch);
        std::vector<Reply> replies = store_->eval_many(limits_script(), batch);
        call.done(replies.empty() ? Reply{} : replies.front());
        park_failed(batch, replies);
    }
}

bool Limiter::flush_pending() {
    for (;;) {
        std::vector<PendingCharge> batch;
        {
            std::lock_guard lock(pending_mu_);
            metrics::Gateway::get().pending_charges.with({}).set(static_cast<double>(pending_.size()));
            if (pending_.empty()) return true;
            size_t n = std::min(kBatch, pending_.size());
            batch.assign(pending_.begin(), pending_.begin() + static_cast<long>(n));
        }
        StoreCall call(*this, *store_, Op::replay);
        std::vector<Reply> replies = store_->eval_many(limits_script(), batch);
        call.done(replies.empty() ? Reply{} : replies.front());
        size_t done = 0;
        while (done < replies.size() && replies[done].type != Reply::Type::failure) {
            if (!replies[done].ok()) log::error("state", "replaying spend failed: " + replies[done].str);
            ++done;
        }
        {
            std::lock_guard lock(pending_mu_);
            pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(std::min(done, pending_.size())));
        }
        if (done < batch.size()) return false;
    }
}

void Limiter::background() {
    std::unique_lock lock(pending_mu_);
    while (!stop_) {
        wake_.wait_for(lock, kFlushEvery, [this] { return stop_ || !queued_.empty(); });
        bool replay = !pending_.empty();
        lock.unlock();
        send_queued();
        if (replay) {
            size_t before = pending();
            if (flush_pending()) log::info("state", "replayed " + std::to_string(before) + " spend records into the store");
        }
        lock.lock();
    }
    lock.unlock();
    send_queued();  // shutting down: nothing queued is lost
}

void Limiter::set_degraded(bool on, const std::string& why) {
    if (degraded_.exchange(on) == on) return;
    metrics::Gateway::get().store_degraded.with({}).set(on ? 1 : 0);
    if (!on) {
        log::info("state", "state store reachable again; limits are shared again");
        wake_.notify_all();
        return;
    }
    const char* mode = opt_.on_failure == config::OnStoreFailure::closed  ? "closed: refusing limited requests"
                       : opt_.on_failure == config::OnStoreFailure::local ? "local: enforcing a per-instance share"
                                                                          : "open: admitting without limits";
    log::warn("state", "state store unreachable (" + why + "); degraded mode " + mode);
}

std::optional<std::vector<BudgetState>> Limiter::read(const Principal& who) {
    int64_t now = 0;
    if (NativeLimits* n = native(*store_, now)) {
        StoreCall call(*this, *store_, Op::read);
        thread_local std::vector<NativeLimits::BudgetRow> rows;
        n->read(group_key(who.group), NativeLevels(who, 1.0).span(), now, rows);
        call.done(true);
        std::vector<BudgetState> out;
        out.reserve(rows.size());
        for (const NativeLimits::BudgetRow& b : rows) out.push_back({b.spent, b.reserved, b.limit, b.ends_in_ms});
        return out;
    }
    std::vector<std::string> keys{group_key(who.group)};
    std::vector<std::string> args{"read"};
    std::vector<std::string> levels = level_args(who, 1.0);
    args.insert(args.end(), std::make_move_iterator(levels.begin()), std::make_move_iterator(levels.end()));
    // The view's key: the group and its levels' arguments (scope, budget, period, ...).
    std::string view_key;
    if (budget_views_.enabled()) {
        view_key = keys[0];
        for (const std::string& a : levels) view_key.append(1, '\n').append(a);
        if (auto view = budget_views_.get(view_key, clock::steady_ms())) return view;
    }
    Reply r = timed_eval(*store_, Op::read, keys, args);
    if (!r.ok() || r.type != Reply::Type::array || r.elements.size() < who.levels.size()) return std::nullopt;
    std::vector<BudgetState> out;
    for (size_t i = 0; i < who.levels.size(); ++i) {
        const Reply& e = r.elements[i];
        out.push_back({e.int_at(0), e.int_at(1), e.int_at(2), e.int_at(3)});
    }
    if (budget_views_.enabled()) budget_views_.put(view_key, out, clock::steady_ms());
    return out;
}

int64_t Limiter::outstanding(const std::string& group) {
    std::vector<std::string> keys{group_key(group)};
    std::vector<std::string> args{"read", "0"};
    Reply r = timed_eval(*store_, Op::read, keys, args);
    return r.ok() && !r.elements.empty() ? r.int_at(0) : -1;
}

Reply Limiter::spend(const std::string& group, int64_t first_day, int64_t last_day) {
    std::vector<std::string> keys{group_key(group)};
    std::vector<std::string> args{"spend", std::to_string(first_day), std::to_string(last_day)};
    return timed_eval(*store_, Op::spend, keys, args);
}

}  // namespace sy::state
