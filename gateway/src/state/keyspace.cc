#include "state/keyspace.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>

namespace sy::state {
namespace {

using Hash = std::map<std::string, std::string>;
using Set = std::set<std::string>;

constexpr int64_t kSweepEveryMs = 5000;

Reply integer(int64_t v) { return {Reply::Type::integer, v, {}, {}}; }
Reply bulk(std::string s) { return {Reply::Type::string, 0, std::move(s), {}}; }
Reply nil() { return {}; }
Reply array(std::vector<Reply> items) { return {Reply::Type::array, 0, {}, std::move(items)}; }
Reply ok() { return bulk("OK"); }
Reply syntax_error() { return Reply::error("ERR syntax error"); }
Reply arity_error(std::string_view cmd) {
    return Reply::error("ERR wrong number of arguments for '" + std::string(cmd) + "' command");
}
Reply not_integer() { return Reply::error("ERR value is not an integer or out of range"); }

bool parse_int(std::string_view s, int64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// Sorted-set bounds: a number, "-inf", "+inf", or "(" for exclusive.
bool parse_bound(std::string_view s, double& out, bool& exclusive) {
    exclusive = !s.empty() && s[0] == '(';
    if (exclusive) s.remove_prefix(1);
    if (s == "-inf") out = -HUGE_VAL;
    else if (s == "+inf" || s == "inf") out = HUGE_VAL;
    else {
        std::string tmp(s);
        char* end = nullptr;
        out = std::strtod(tmp.c_str(), &end);
        if (end != tmp.c_str() + tmp.size() || tmp.empty()) return false;
    }
    return true;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

int64_t Keyspace::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
               .count() +
           offset_ms_;
}

Keyspace::Entry* Keyspace::find(const std::string& key) {
    auto it = data_.find(key);
    if (it == data_.end()) return nullptr;
    if (it->second.expires_at_ms && it->second.expires_at_ms <= now_ms()) {
        data_.erase(it);
        return nullptr;
    }
    return &it->second;
}

template <class T>
T* Keyspace::get_as(const std::string& key, Reply& wrong_type) {
    Entry* e = find(key);
    if (!e) return nullptr;
    if (T* v = std::get_if<T>(&e->value)) return v;
    wrong_type = Reply::error("WRONGTYPE Operation against a key holding the wrong kind of value");
    return nullptr;
}

template <class T>
T* Keyspace::get_or_create(const std::string& key, Reply& wrong_type) {
    if (T* v = get_as<T>(key, wrong_type)) return v;
    if (wrong_type.type == Reply::Type::error) return nullptr;
    Entry& e = data_[key];
    e.value = T{};
    e.expires_at_ms = 0;
    return &std::get<T>(e.value);
}

void Keyspace::sweep_expired() {
    int64_t now = now_ms();
    if (now < next_sweep_ms_) return;
    next_sweep_ms_ = now + kSweepEveryMs;
    std::erase_if(data_, [now](const auto& kv) { return kv.second.expires_at_ms && kv.second.expires_at_ms <= now; });
}

Reply Keyspace::execute(std::span<const std::string> argv) {
    if (argv.empty()) return Reply::error("ERR empty command");
    sweep_expired();
    std::string cmd = upper(argv[0]);
    auto a = argv.subspan(1);
    if (cmd == "GET" || cmd == "MGET" || cmd == "SET" || cmd == "INCR" || cmd == "DECR" || cmd == "INCRBY" ||
        cmd == "DECRBY")
        return strings(cmd, a);
    if (cmd[0] == 'H') return hashes(cmd, a);
    if (cmd[0] == 'S' && cmd != "SET") return sets(cmd, a);
    if (cmd[0] == 'Z') return zsets(cmd, a);
    return keys(cmd, a);
}

Reply Keyspace::strings(std::string_view cmd, std::span<const std::string> a) {
    Reply err;
    if (a.empty()) return arity_error(cmd);
    if (cmd == "GET") {
        if (a.size() != 1) return arity_error(cmd);
        std::string* s = get_as<std::string>(a[0], err);
        return s ? bulk(*s) : err.type == Reply::Type::error ? err : nil();
    }
    if (cmd == "MGET") {
        std::vector<Reply> out;
        out.reserve(a.size());
        for (const auto& key : a) {
            Reply wrong;
            std::string* s = get_as<std::string>(key, wrong);
            out.push_back(s ? bulk(*s) : nil());  // Redis answers nil for other types too
        }
        return array(std::move(out));
    }
    if (cmd == "SET") {
        if (a.size() < 2) return arity_error(cmd);
        bool nx = false, xx = false, keep_ttl = false;
        int64_t ttl_ms = 0;
        for (size_t i = 2; i < a.size(); ++i) {
            std::string opt = upper(a[i]);
            if (opt == "NX" || opt == "XX") {
                (opt == "NX" ? nx : xx) = true;
            } else if (opt == "KEEPTTL") {
                keep_ttl = true;
            } else if ((opt == "PX" || opt == "EX") && i + 1 < a.size()) {
                if (!parse_int(a[++i], ttl_ms) || ttl_ms <= 0) return not_integer();
                if (opt == "EX") ttl_ms *= 1000;
            } else {
                return syntax_error();
            }
        }
        Entry* existing = find(a[0]);
        if ((nx && existing) || (xx && !existing)) return nil();
        int64_t kept = existing && keep_ttl ? existing->expires_at_ms : 0;
        Entry& e = data_[a[0]];
        e.value = a[1];
        e.expires_at_ms = ttl_ms ? now_ms() + ttl_ms : kept;
        return ok();
    }
    int64_t by = cmd == "INCR" ? 1 : cmd == "DECR" ? -1 : 0;
    if (cmd == "INCRBY" || cmd == "DECRBY") {
        if (a.size() != 2 || !parse_int(a[1], by)) return a.size() != 2 ? arity_error(cmd) : not_integer();
        if (cmd == "DECRBY") by = -by;
    }
    std::string* s = get_or_create<std::string>(a[0], err);
    if (!s) return err;
    int64_t cur = 0;
    if (!s->empty() && !parse_int(*s, cur)) return not_integer();
    cur += by;
    *s = std::to_string(cur);
    return integer(cur);
}

Reply Keyspace::hashes(std::string_view cmd, std::span<const std::string> a) {
    Reply err;
    if (a.empty()) return arity_error(cmd);
    if (cmd == "HSET" || cmd == "HINCRBY") {
        if (a.size() < 3 || (cmd == "HSET" && a.size() % 2 == 0) || (cmd == "HINCRBY" && a.size() != 3))
            return arity_error(cmd);
        int64_t by = 0;
        if (cmd == "HINCRBY" && !parse_int(a[2], by)) return not_integer();
        Hash* h = get_or_create<Hash>(a[0], err);
        if (!h) return err;
        if (cmd == "HINCRBY") {
            int64_t cur = 0;
            auto it = h->find(a[1]);
            if (it != h->end() && !parse_int(it->second, cur)) return Reply::error("ERR hash value is not an integer");
            cur += by;
            (*h)[a[1]] = std::to_string(cur);
            return integer(cur);
        }
        int64_t added = 0;
        for (size_t i = 1; i + 1 < a.size(); i += 2) added += h->insert_or_assign(a[i], a[i + 1]).second ? 1 : 0;
        return integer(added);
    }
    Hash* h = get_as<Hash>(a[0], err);
    if (err.type == Reply::Type::error) return err;
    if (cmd == "HGET") {
        if (a.size() != 2) return arity_error(cmd);
        if (!h) return nil();
        auto it = h->find(a[1]);
        return it == h->end() ? nil() : bulk(it->second);
    }
    if (cmd == "HMGET") {
        std::vector<Reply> out;
        for (size_t i = 1; i < a.size(); ++i) {
            auto it = h ? h->find(a[i]) : Hash::iterator{};
            out.push_back(h && it != h->end() ? bulk(it->second) : nil());
        }
        return array(std::move(out));
    }
    if (cmd == "HGETALL") {
        std::vector<Reply> out;
        if (h)
            for (const auto& [f, v] : *h) {
                out.push_back(bulk(f));
                out.push_back(bulk(v));
            }
        return array(std::move(out));
    }
    if (cmd == "HKEYS") {
        std::vector<Reply> out;
        if (h)
            for (const auto& kv : *h) out.push_back(bulk(kv.first));
        return array(std::move(out));
    }
    if (cmd == "HLEN") return integer(h ? static_cast<int64_t>(h->size()) : 0);
    if (cmd == "HDEL") {
        int64_t n = 0;
        for (size_t i = 1; h && i < a.size(); ++i) n += static_cast<int64_t>(h->erase(a[i]));
        if (h && h->empty()) data_.erase(a[0]);
        return integer(n);
    }
    return Reply::error("ERR unknown command '" + std::string(cmd) + "'");
}

Reply Keyspace::sets(std::string_view cmd, std::span<const std::string> a) {
    Reply err;
    if (a.empty()) return arity_error(cmd);
    if (cmd == "SADD") {
        Set* s = get_or_create<Set>(a[0], err);
        if (!s) return err;
        int64_t n = 0;
        for (size_t i = 1; i < a.size(); ++i) n += s->insert(a[i]).second ? 1 : 0;
        return integer(n);
    }
    Set* s = get_as<Set>(a[0], err);
    if (err.type == Reply::Type::error) return err;
    if (cmd == "SREM") {
        int64_t n = 0;
        for (size_t i = 1; s && i < a.size(); ++i) n += static_cast<int64_t>(s->erase(a[i]));
        if (s && s->empty()) data_.erase(a[0]);
        return integer(n);
    }
    if (cmd == "SMEMBERS") {
        std::vector<Reply> out;
        if (s)
            for (const auto& m : *s) out.push_back(bulk(m));
        return array(std::move(out));
    }
    if (cmd == "SCARD") return integer(s ? static_cast<int64_t>(s->size()) : 0);
    return Reply::error("ERR unknown command '" + std::string(cmd) + "'");
}

Reply Keyspace::zsets(std::string_view cmd, std::span<const std::string> a) {
    Reply err;
    if (a.empty()) return arity_error(cmd);
    if (cmd == "ZADD") {
        if (a.size() < 3 || a.size() % 2 == 0) return arity_error(cmd);
        ZSet* z = get_or_create<ZSet>(a[0], err);
        if (!z) return err;
        int64_t added = 0;
        for (size_t i = 1; i + 1 < a.size(); i += 2) {
            double score;
            bool excl;
            if (!parse_bound(a[i], score, excl) || excl) return Reply::error("ERR value is not a valid float");
            auto [it, inserted] = z->scores.try_emplace(a[i + 1], score);
            if (!inserted) z->by_score.erase({it->second, it->first});
            it->second = score;
            z->by_score.insert({score, a[i + 1]});
            added += inserted ? 1 : 0;
        }
        return integer(added);
    }
    ZSet* z = get_as<ZSet>(a[0], err);
    if (err.type == Reply::Type::error) return err;
    if (cmd == "ZREM") {
        int64_t n = 0;
        for (size_t i = 1; z && i < a.size(); ++i) {
            auto it = z->scores.find(a[i]);
            if (it == z->scores.end()) continue;
            z->by_score.erase({it->second, it->first});
            z->scores.erase(it);
            ++n;
        }
        if (z && z->scores.empty()) data_.erase(a[0]);
        return integer(n);
    }
    if (cmd == "ZCARD") return integer(z ? static_cast<int64_t>(z->scores.size()) : 0);
    if (cmd == "ZRANGEBYSCORE") {
        double lo, hi;
        bool lo_ex, hi_ex;
        if (a.size() < 3 || !parse_bound(a[1], lo, lo_ex) || !parse_bound(a[2], hi, hi_ex))
            return Reply::error("ERR min or max is not a float");
        int64_t offset = 0, count = -1;
        if (a.size() == 6 && upper(a[3]) == "LIMIT") {
            if (!parse_int(a[4], offset) || !parse_int(a[5], count)) return not_integer();
        } else if (a.size() != 3) {
            return syntax_error();
        }
        std::vector<Reply> out;
        if (z)
            for (const auto& [score, member] : z->by_score) {
                if (score < lo || (lo_ex && score == lo)) continue;
                if (score > hi || (hi_ex && score == hi)) break;
                if (offset > 0) {
                    --offset;
                    continue;
                }
                if (count >= 0 && static_cast<int64_t>(out.size()) >= count) break;
                out.push_back(bulk(member));
            }
        return array(std::move(out));
    }
    return Reply::error("ERR unknown command '" + std::string(cmd) + "'");
}

Reply Keyspace::keys(std::string_view cmd, std::span<const std::string> a) {
    if (cmd == "TIME") {
        int64_t us = now_ms() * 1000;
        return array({bulk(std::to_string(us / 1000000)), bulk(std::to_string(us % 1000000))});
    }
    if (cmd == "PING") return bulk("PONG");
    if (cmd == "FLUSHALL" || cmd == "FLUSHDB") {
        data_.clear();
        return ok();
    }
    if (a.empty()) return arity_error(cmd);
    if (cmd == "DEL" || cmd == "EXISTS") {
        int64_t n = 0;
        for (const auto& k : a) {
            if (!find(k)) continue;
            ++n;
            if (cmd == "DEL") data_.erase(k);
        }
        return integer(n);
    }
    Entry* e = find(a[0]);
    if (cmd == "PTTL" || cmd == "TTL") {
        if (!e) return integer(-2);
        if (!e->expires_at_ms) return integer(-1);
        int64_t left = e->expires_at_ms - now_ms();
        return integer(cmd == "TTL" ? (left + 999) / 1000 : left);
    }
    if (cmd == "PEXPIRE" || cmd == "EXPIRE" || cmd == "PEXPIREAT") {
        int64_t v = 0;
        if (a.size() != 2) return arity_error(cmd);
        if (!parse_int(a[1], v)) return not_integer();
        if (!e) return integer(0);
        e->expires_at_ms = cmd == "PEXPIREAT" ? v : now_ms() + (cmd == "EXPIRE" ? v * 1000 : v);
        if (e->expires_at_ms <= now_ms()) data_.erase(a[0]);
        return integer(1);
    }
    return Reply::error("ERR unknown command '" + std::string(cmd) + "'");
}

}  // namespace sy::state
