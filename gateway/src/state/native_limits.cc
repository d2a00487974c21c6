#include "state/native_limits.hpp"

#include <charconv>
#include <cmath>
#include <functional>

#include "state/civil_time.hpp"

namespace sy::state {
namespace {

constexpr int64_t kMinute = 60000;
constexpr int64_t kDay = 86400000;
constexpr int64_t kSweepEveryMs = 10000;
constexpr size_t kReclaimBatch = 32;

int64_t num(std::string_view s) {
    int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

Reply integer(int64_t v) { return {Reply::Type::integer, v, {}, {}}; }
Reply text(std::string s) { return {Reply::Type::string, 0, std::move(s), {}}; }
Reply array(std::vector<Reply> items) { return {Reply::Type::array, 0, {}, std::move(items)}; }

struct Period {
    std::string id;
    int64_t ends_ms;
};

// The budget period containing `at` (limits.lua: period()).
Period period_of(std::string_view spec, int64_t at) {
    if (spec == "d") {
        int64_t d = floor_div(at, kDay);
        std::string id = std::to_string(d);
        id.insert(id.begin(), 'd');
        return {std::move(id), (d + 1) * kDay};
    }
    if (spec == "m") {
        CivilDate c = civil_from_days(floor_div(at, kDay));
        int64_t ny = c.month == 12 ? c.year + 1 : c.year, nm = c.month == 12 ? 1 : c.month + 1;
        std::string id = std::to_string(c.year);
        id.insert(id.begin(), 'm');
        id.append(1, '-').append(std::to_string(c.month));
        return {std::move(id), days_from_civil(ny, nm, 1) * kDay};
    }
    int64_t w = num(spec.substr(spec.empty() ? 0 : 1)) * 1000;
    if (w <= 0) w = kDay;
    int64_t i = floor_div(at, w);
    std::string id(spec);
    id.append(1, '.').append(std::to_string(i));
    return {std::move(id), (i + 1) * w};
}

}  // namespace

namespace {

// Moves a window to minute w: the current count becomes the previous one, or both reset.
void roll(auto& win, int64_t w) {
    if (win.minute == w) return;
    win.prev = win.minute == w - 1 ? win.cur : 0;
    win.cur = 0;
    win.minute = w;
}

struct WindowCheck {
    double used;
    int64_t wait;  // 0 fits, -1 never, else ms
};

// limits.lua: window().
WindowCheck check_window(auto& win, int64_t now, int64_t limit, int64_t amount) {
    int64_t w = floor_div(now, kMinute);
    roll(win, w);
    double cur = static_cast<double>(win.cur), prev = static_cast<double>(win.prev);
    double into = static_cast<double>(now - w * kMinute);
    double used = cur + prev * (static_cast<double>(kMinute) - into) / static_cast<double>(kMinute);
    double lim = static_cast<double>(limit), amt = static_cast<double>(amount);
    if (used + amt <= lim) return {used, 0};
    if (amt > lim) return {used, -1};
    double wait;
    if (cur + amt <= lim)
        wait = std::ceil(kMinute * (1 - (lim - cur - amt) / prev)) - into;
    else
        wait = static_cast<double>(kMinute) - into + std::ceil(kMinute * (1 - (lim - amt) / cur));
    return {used, wait < 1 ? 1 : static_cast<int64_t>(wait)};
}


// A map slot by name, created on first use (the maps look names up without copying them).
template <typename Map>
typename Map::mapped_type& slot(Map& m, std::string_view name) {
    auto it = m.find(name);
    if (it == m.end()) it = m.emplace(std::string(name), typename Map::mapped_type{}).first;
    return it->second;
}

using View2 = std::pair<std::string_view, std::string_view>;

std::vector<NativeLimits::Level> parse_levels(std::span<const std::string> args, size_t first) {
    std::vector<NativeLimits::Level> out;
    if (first >= args.size()) return out;
    int64_t n = num(args[first]);
    for (int64_t i = 0; i < n; ++i) {
        size_t b = first + 1 + static_cast<size_t>(i) * 6;
        if (b + 5 >= args.size()) break;
        out.push_back({args[b], num(args[b + 1]), num(args[b + 3]), num(args[b + 4]), num(args[b + 5]), args[b + 2]});
    }
    return out;
}

}  // namespace

class NativeLimits::Locked {
public:
    Locked(Shard& shard, std::string_view group) : lock_(shard.mu), group_(&slot(shard.groups, group)) {}
    Group& group() { return *group_; }

private:
    std::unique_lock<std::mutex> lock_;
    Group* group_;
};

NativeLimits::Locked NativeLimits::lock_group(std::string_view group, int64_t now) {
    Locked locked(shards_[StringHash{}(group) % shards_.size()], group);
    sweep(locked.group(), now);
    return locked;
}

NativeLimits::Budget& NativeLimits::budget_slot(Group& g, std::string_view scope, std::string_view period) {
    auto it = g.budgets.find(View2(scope, period));
    if (it == g.budgets.end()) it = g.budgets.emplace(BudgetKey(scope, period), Budget{}).first;
    return it->second;
}

void NativeLimits::release(Group& g, const Reservation& r) {
    for (const Entry& e : r.entries) {
        if (e.kind == 'b') {
            auto it = g.budgets.find(View2(e.scope, e.period));
            if (it != g.budgets.end()) it->second.reserved -= e.amount;
        } else if (e.kind == 'c') {
            int64_t& c = slot(g.concurrency, e.scope);
            c = std::max<int64_t>(0, c - 1);
        }
    }
}

void NativeLimits::reclaim_expired(Group& g, int64_t now) {
    for (size_t n = 0; n < kReclaimBatch && !g.expiry.empty() && g.expiry.begin()->first <= now; ++n) {
        auto it = g.reservations.find(g.expiry.begin()->second);
        if (it != g.reservations.end() && !it->second.reclaimed) {
            release(g, it->second);
            it->second.reclaimed = true;
        }
        g.expiry.erase(g.expiry.begin());
    }
}

void NativeLimits::sweep(Group& g, int64_t now) {
    if (now < g.next_sweep_ms) return;
    g.next_sweep_ms = now + kSweepEveryMs;
    std::erase_if(g.budgets, [now](const auto& kv) { return kv.second.ends_ms + kDay < now; });
    int64_t minute = floor_div(now, kMinute);
    std::erase_if(g.requests, [minute](const auto& kv) { return kv.second.minute < minute - 2; });
    std::erase_if(g.tokens, [minute](const auto& kv) { return kv.second.minute < minute - 2; });
    std::erase_if(g.concurrency, [](const auto& kv) { return kv.second == 0; });
    std::erase_if(g.replayed, [now](const auto& kv) { return kv.second < now; });
    std::erase_if(g.reservations, [now](const auto& kv) { return kv.second.expires_ms + kDay < now; });
    std::erase_if(g.ledger, [now](const auto& kv) { return kv.first < floor_div(now, kDay) - 400; });
}

NativeLimits::AdmitResult NativeLimits::admit(std::string_view group, std::string_view id, int64_t ttl_ms,
                                              int64_t cost, int64_t tokens, std::span<const Level> levels,
                                              int64_t now) {
    Locked locked = lock_group(group, now);
    Group& g = locked.group();
    reclaim_expired(g, now);
    AdmitResult out;
    out.now = now;
    auto reject = [&out](size_t i, const char* kind, int64_t limit, int64_t used, int64_t wait) {
        out.level = i;
        out.kind = kind;
        out.limit = limit;
        out.used = used;
        out.wait = wait;
        return out;
    };
    const int64_t reset = 2 * kMinute - (now % kMinute);
    // Check every level first: nothing is written unless all of them have room.
    for (size_t i = 0; i < levels.size(); ++i) {
        const Level& l = levels[i];
        if (l.budget >= 0) {
            Period p = period_of(l.period, now);
            auto it = g.budgets.find(View2(l.scope, p.id));
            int64_t used = it == g.budgets.end() ? 0 : it->second.spent + it->second.reserved;
            if (used + cost > l.budget) return reject(i, "budget", l.budget, used, p.ends_ms - now);
        }
        if (l.rpm >= 0) {
            WindowCheck c = check_window(slot(g.requests, l.scope), now, l.rpm, 1);
            if (c.wait != 0) return reject(i, "rpm", l.rpm, static_cast<int64_t>(std::ceil(c.used)), c.wait);
            if (out.req_limit < 0) {
                out.req_limit = l.rpm;
                out.req_remaining = static_cast<int64_t>(std::floor(static_cast<double>(l.rpm) - c.used - 1));
                out.req_reset = reset;
            }
        }
        if (l.tpm >= 0) {
            WindowCheck c = check_window(slot(g.tokens, l.scope), now, l.tpm, tokens);
            if (c.wait != 0) return reject(i, "tpm", l.tpm, static_cast<int64_t>(std::ceil(c.used)), c.wait);
            if (out.tok_limit < 0) {
                out.tok_limit = l.tpm;
                out.tok_remaining =
                    static_cast<int64_t>(std::floor(static_cast<double>(l.tpm) - c.used - static_cast<double>(tokens)));
                out.tok_reset = reset;
            }
        }
        if (l.conc >= 0) {
            auto it = g.concurrency.find(l.scope);
            int64_t used = it == g.concurrency.end() ? 0 : it->second;
            if (used + 1 > l.conc) return reject(i, "concurrency", l.conc, used, 1000);
        }
    }
    Reservation r;
    r.expires_ms = now + ttl_ms;
    r.entries.reserve(levels.size() * 2);
    const int64_t minute = floor_div(now, kMinute);
    for (const Level& l : levels) {
        if (l.budget >= 0) {
            Period p = period_of(l.period, now);
            Budget& b = budget_slot(g, l.scope, p.id);
            b.reserved += cost;
            b.ends_ms = p.ends_ms;
            r.entries.push_back({'b', std::string(l.scope), std::move(p.id), 0, cost});
        }
        if (l.rpm >= 0) slot(g.requests, l.scope).cur += 1;
        if (l.tpm >= 0) {
            slot(g.tokens, l.scope).cur += tokens;
            r.entries.push_back({'t', std::string(l.scope), {}, minute, tokens});
        }
        if (l.conc >= 0) {
            slot(g.concurrency, l.scope) += 1;
            r.entries.push_back({'c', std::string(l.scope), {}, 0, 1});
        }
    }
    g.expiry.emplace(r.expires_ms, std::string(id));
    g.reservations.insert_or_assign(std::string(id), std::move(r));
    out.admitted = true;
    return out;
}

bool NativeLimits::settle(std::string_view group, std::string_view id, int64_t cost, int64_t tokens, int64_t at,
                          std::string_view ledger_field, std::span<const Level> levels, int64_t now) {
    Locked locked = lock_group(group, now);
    Group& g = locked.group();
    if (at <= 0) at = now;
    auto ledger = [&] {
        if (ledger_field.empty()) return;  // a level kept apart from spend reporting (a model's limits)
        std::array<int64_t, 3>& row = slot(g.ledger[floor_div(at, kDay)], ledger_field);
        row[0] += cost;
        row[1] += 1;
        row[2] += tokens;
    };
    if (id.empty() || id[0] == '~') {
        if (!id.empty()) {
            if (g.replayed.find(id) != g.replayed.end()) return false;
            g.replayed.emplace(std::string(id), now + kDay);
        }
        for (const Level& l : levels) {
            if (l.budget < 0) continue;
            Period p = period_of(l.period, at);
            Budget& b = budget_slot(g, l.scope, p.id);
            b.spent += cost;
            b.ends_ms = p.ends_ms;
        }
        ledger();
        return true;
    }
    auto it = g.reservations.find(id);
    if (it == g.reservations.end()) return false;
    const Reservation& r = it->second;
    for (const Entry& e : r.entries) {
        if (e.kind == 'b') {
            auto b = g.budgets.find(View2(e.scope, e.period));
            if (b == g.budgets.end()) {
                b = g.budgets.emplace(BudgetKey(e.scope, e.period), Budget{}).first;
                b->second.ends_ms = now;  // its period is over; kept a day, as in Redis
            } else if (!r.reclaimed) {
                b->second.reserved -= e.amount;
            }
            b->second.spent += cost;
        } else if (e.kind == 't') {
            auto w = g.tokens.find(e.scope);
            if (w == g.tokens.end()) continue;
            if (w->second.minute == e.minute) w->second.cur += tokens - e.amount;
            else if (w->second.minute == e.minute + 1) w->second.prev += tokens - e.amount;
        } else if (e.kind == 'c' && !r.reclaimed) {
            int64_t& c = slot(g.concurrency, e.scope);
            c = std::max<int64_t>(0, c - 1);
        }
    }
    if (!r.reclaimed) {
        auto x = g.expiry.find(std::pair<int64_t, std::string_view>(r.expires_ms, id));
        if (x != g.expiry.end()) g.expiry.erase(x);
    }
    g.reservations.erase(it);
    ledger();
    return true;
}

int64_t NativeLimits::read(std::string_view group, std::span<const Level> levels, int64_t now,
                           std::vector<BudgetRow>& rows) {
    Locked locked = lock_group(group, now);
    Group& g = locked.group();
    reclaim_expired(g, now);
    rows.clear();
    for (const Level& l : levels) {
        if (l.budget < 0) {
            rows.push_back({0, 0, -1, 0});
            continue;
        }
        Period p = period_of(l.period, now);
        auto it = g.budgets.find(View2(l.scope, p.id));
        const Budget none;
        const Budget& b = it == g.budgets.end() ? none : it->second;
        rows.push_back({b.spent, b.reserved, l.budget, p.ends_ms - now});
    }
    return static_cast<int64_t>(g.expiry.size());
}

// --- the script's string arguments and replies ---

Reply NativeLimits::run(std::span<const std::string> keys, std::span<const std::string> args, int64_t now) {
    if (keys.empty() || args.empty()) return Reply::error("ERR limits: missing group key or operation");
    const std::string& group = keys[0];
    const std::string& op = args[0];
    if (op == "admit") {
        if (args.size() < 6) return Reply::error("ERR limits: admit needs id, ttl, cost, tokens, levels");
        AdmitResult a = admit(group, args[1], num(args[2]), num(args[3]), num(args[4]), parse_levels(args, 5), now);
        if (!a.admitted)
            return array({integer(0), integer(static_cast<int64_t>(a.level + 1)), text(a.kind), integer(a.limit),
                          integer(a.used), integer(a.wait), integer(a.now)});
        return array({integer(1), integer(a.now), integer(a.req_limit), integer(a.req_remaining), integer(a.req_reset),
                      integer(a.tok_limit), integer(a.tok_remaining), integer(a.tok_reset)});
    }
    if (op == "settle") {
        if (args.size() < 6) return Reply::error("ERR limits: settle needs id, cost, tokens, at, field");
        return integer(settle(group, args[1], num(args[2]), num(args[3]), num(args[4]), args[5], parse_levels(args, 6),
                              now) ? 1 : 0);
    }
    if (op == "read") {
        std::vector<BudgetRow> rows;
        int64_t outstanding = read(group, parse_levels(args, 1), now, rows);
        std::vector<Reply> out;
        for (const BudgetRow& b : rows)
            out.push_back(array({integer(b.spent), integer(b.reserved), integer(b.limit), integer(b.ends_in_ms)}));
        out.push_back(integer(outstanding));
        out.push_back(integer(now));
        return array(std::move(out));
    }
    if (op == "spend") {
        Locked locked = lock_group(group, now);
        return spend(locked.group(), args);
    }
    return Reply::error("limits.lua: unknown operation " + op);
}

Reply NativeLimits::spend(Group& g, std::span<const std::string> args) {
    std::vector<Reply> out;
    if (args.size() < 3) return array({});
    int64_t first = num(args[1]), last = num(args[2]);
    static constexpr const char* kSuffix[3] = {"|c", "|r", "|t"};
    for (auto it = g.ledger.lower_bound(first); it != g.ledger.end() && it->first <= last; ++it)
        for (const auto& [field, values] : it->second)
            for (int k = 0; k < 3; ++k) {
                out.push_back(text(std::to_string(it->first)));
                out.push_back(text(field + kSuffix[k]));
                out.push_back(integer(values[static_cast<size_t>(k)]));
            }
    return array(std::move(out));
}

}  // namespace sy::state
