#include "state/redis_store.hpp"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>

#include <switchyard/log.hpp>

#include "core/clock.hpp"
#include "core/fiber.hpp"

namespace sy::state {
namespace {

constexpr int kMaxCooldownMs = 5000;

timeval to_timeval(int ms) { return {ms / 1000, static_cast<suseconds_t>((ms % 1000) * 1000)}; }

// Connections are non-blocking and their I/O waits in fiber::poll: a request's fiber in a
// ParkingScope parks during a round trip instead of holding its thread; elsewhere poll blocks.
void make_nonblocking(redisContext* c) {
    ::fcntl(c->fd, F_SETFL, ::fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    c->flags &= ~REDIS_BLOCK;  // hiredis then treats EAGAIN as "not yet" rather than an error
}

// Sends the commands appended to c and reads `count` replies (appended to out, owned by the
// caller) within timeout_ms. False on an error or timeout: why says which.
bool round_trip(redisContext* c, size_t count, std::vector<redisReply*>& out, int timeout_ms, std::string& why) {
    const int64_t deadline = clock::steady_ms() + timeout_ms;
    for (int done = 0; !done;) {
        if (redisBufferWrite(c, &done) != REDIS_OK) return why = c->errstr, false;
        if (!done && !fiber::wait_ready(c->fd, POLLOUT, deadline)) return why = "timed out sending", false;
    }
    for (size_t got = 0; got < count;) {
        void* reply = nullptr;
        if (redisGetReplyFromReader(c, &reply) != REDIS_OK) return why = c->errstr, false;
        if (reply) {
            out.push_back(static_cast<redisReply*>(reply));
            ++got;
            continue;
        }
        if (!fiber::wait_ready(c->fd, POLLIN, deadline)) return why = "timed out waiting for a reply", false;
        if (redisBufferRead(c) != REDIS_OK) return why = c->errstr, false;
    }
    return true;
}

Reply convert(const redisReply* r) {
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS: return {Reply::Type::string, 0, std::string(r->str, r->len), {}};
    case REDIS_REPLY_INTEGER: return {Reply::Type::integer, r->integer, {}, {}};
    case REDIS_REPLY_ERROR: return Reply::error(std::string(r->str, r->len));
    case REDIS_REPLY_ARRAY: {
        Reply out{Reply::Type::array, 0, {}, {}};
        out.elements.reserve(r->elements);
        for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
        return out;
    }
    default: return {};
    }
}

}  // namespace

RedisStore::RedisStore(RedisOptions options) : opt_(std::move(options)), cooldown_ms_(opt_.breaker_cooldown_ms) {}

RedisStore::~RedisStore() {
    for (redisContext* c : idle_) redisFree(c);
}

bool RedisStore::healthy() const {
    return failures_.load(std::memory_order_relaxed) < opt_.breaker_failures;
}

bool RedisStore::resolve_primary(std::string& host, int& port, std::string& why) {
    for (const std::string& address : opt_.sentinels) {
        size_t colon = address.rfind(':');
        if (colon == std::string::npos) continue;
        std::string s_host = address.substr(0, colon);
        int s_port = std::atoi(address.c_str() + colon + 1);
        redisContext* c = redisConnectWithTimeout(s_host.c_str(), s_port, to_timeval(opt_.connect_timeout_ms));
        if (!c || c->err) {
            why = "sentinel " + address + ": " + (c ? c->errstr : "out of memory");
            if (c) redisFree(c);
            continue;
        }
        make_nonblocking(c);
        bool broken = false;
        if (!opt_.sentinel_password.empty())
            run_on(c, std::vector<std::string>{"AUTH", opt_.sentinel_password}, broken);
        Reply r = run_on(c, std::vector<std::string>{"SENTINEL", "get-master-addr-by-name", opt_.sentinel_master}, broken);
        redisFree(c);
        if (r.type == Reply::Type::array && r.elements.size() == 2) {
            host = std::string(r.str_at(0));
            port = static_cast<int>(r.int_at(1));
            return true;
        }
        why = "sentinel " + address + " does not know '" + opt_.sentinel_master + "'" + (r.str.empty() ? "" : ": " + r.str);
    }
    if (why.empty()) why = "no sentinel configured";
    return false;
}

redisContext* RedisStore::connect(std::string& why) {
    std::string host = opt_.host;
    int port = opt_.port;
    if (!opt_.sentinels.empty() && !resolve_primary(host, port, why)) return nullptr;
    redisContext* c = redisConnectWithTimeout(host.c_str(), port, to_timeval(opt_.connect_timeout_ms));
    if (!c || c->err) {
        why = "redis " + host + ":" + std::to_string(port) + ": " + (c ? c->errstr : "out of memory");
        if (c) redisFree(c);
        return nullptr;
    }
    redisEnableKeepAlive(c);
    make_nonblocking(c);
    std::vector<std::string> hello;
    if (!opt_.password.empty()) {
        hello = opt_.username.empty() ? std::vector<std::string>{"AUTH", opt_.password}
                                      : std::vector<std::string>{"AUTH", opt_.username, opt_.password};
    }
    bool broken = false;
    if (!hello.empty()) {
        Reply r = run_on(c, hello, broken);
        if (!r.ok()) {
            why = "redis AUTH: " + r.str;
            redisFree(c);
            return nullptr;
        }
    }
    if (!opt_.sentinels.empty()) {  // the sentinels may still name a primary that was just demoted
        Reply role = run_on(c, std::vector<std::string>{"ROLE"}, broken);
        if (role.type != Reply::Type::array || role.str_at(0) != "master") {
            why = "redis " + host + ":" + std::to_string(port) + " is not the primary (yet)";
            redisFree(c);
            return nullptr;
        }
    }
    if (opt_.db != 0) {
        Reply r = run_on(c, std::vector<std::string>{"SELECT", std::to_string(opt_.db)}, broken);
        if (!r.ok()) {
            why = "redis SELECT " + std::to_string(opt_.db) + ": " + r.str;
            redisFree(c);
            return nullptr;
        }
    }
    return c;
}

redisContext* RedisStore::acquire(std::string& why) {
    {
        std::unique_lock lock(mu_);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opt_.command_timeout_ms);
        while (idle_.empty() && open_ >= opt_.pool_size) {
            if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= opt_.pool_size) {
                why = "redis connection pool exhausted (" + std::to_string(opt_.pool_size) + " in use)";
                return nullptr;
            }
        }
        if (!idle_.empty()) {
            redisContext* c = idle_.back();
            idle_.pop_back();
            return c;
        }
        ++open_;
    }
    redisContext* c = connect(why);
    if (!c) release(nullptr, true);
    return c;
}

void RedisStore::release(redisContext* ctx, bool broken) {
    std::lock_guard lock(mu_);
    if (broken || !ctx) {
        if (ctx) redisFree(ctx);
        --open_;
        // The others were opened to the same server and are most likely broken too: drop them
        // so that the next call (the breaker's probe) dials afresh instead of finding a dead one.
        for (redisContext* c : idle_) redisFree(c);
        open_ -= static_cast<int>(idle_.size());
        idle_.clear();
    } else {
        idle_.push_back(ctx);
    }
    cv_.notify_one();
}

Reply RedisStore::run_on(redisContext* ctx, std::span<const std::string> argv, bool& broken) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    ptrs.reserve(argv.size());
    lens.reserve(argv.size());
    for (const auto& a : argv) {
        ptrs.push_back(a.data());
        lens.push_back(a.size());
    }
    std::vector<redisReply*> replies;
    std::string why;
    if (redisAppendCommandArgv(ctx, static_cast<int>(argv.size()), ptrs.data(), lens.data()) != REDIS_OK ||
        !round_trip(ctx, 1, replies, opt_.command_timeout_ms, why)) {
        broken = true;
        return Reply::failed("redis: " + (why.empty() ? std::string(ctx->errstr) : why));
    }
    Reply out = convert(replies.front());
    freeReplyObject(replies.front());
    return out;
}

bool RedisStore::breaker_allows() {
    if (failures_.load(std::memory_order_relaxed) < opt_.breaker_failures) return true;
    if (clock::steady_ms() < open_until_ms_.load(std::memory_order_relaxed)) return false;
    bool expected = false;  // half-open: one probe at a time
    return probing_.compare_exchange_strong(expected, true);
}

void RedisStore::record(bool ok) {
    if (ok) {
        if (failures_.exchange(0) >= opt_.breaker_failures)
            log::info("state", "redis " + opt_.host + ":" + std::to_string(opt_.port) + " reachable again");
        cooldown_ms_ = opt_.breaker_cooldown_ms;
        probing_ = false;
        return;
    }
    int n = failures_.fetch_add(1) + 1;
    if (n < opt_.breaker_failures) return;
    int cooldown = cooldown_ms_.load();
    open_until_ms_ = clock::steady_ms() + cooldown;
    if (n == opt_.breaker_failures)
        log::warn("state", "redis " + opt_.host + ":" + std::to_string(opt_.port) + " failing; calls fail fast for " +
                               std::to_string(cooldown) + " ms at a time until it answers");
    if (probing_.exchange(false)) cooldown_ms_ = std::min(cooldown * 2, kMaxCooldownMs);
}

template <class Use>
bool RedisStore::on_connection(std::string& why, Use use) {
    if (!breaker_allows()) {
        why = "redis unreachable (circuit open)";
        return false;
    }
    redisContext* c = acquire(why);
    if (!c) {
        record(false);
        return false;
    }
    bool broken = false;
    use(c, broken);
    release(c, broken);
    record(!broken);
    return true;
}

// A node demoted to a replica by a failover answers writes with READONLY: count it as a broken
// connection (the pool is dropped, and with Sentinel the new primary is found on reconnect).
void RedisStore::check_demoted(Reply& r, bool& broken) {
    if (r.type != Reply::Type::error || !r.str.starts_with("READONLY")) return;
    broken = true;
    r = Reply::failed("redis: " + r.str);
}

Reply RedisStore::run(std::span<const std::string> argv) {
    Reply r;
    std::string why;
    bool used = on_connection(why, [&](redisContext* c, bool& broken) {
        r = run_on(c, argv, broken);
        check_demoted(r, broken);
    });
    return used ? r : Reply::failed(why);
}

std::vector<Reply> RedisStore::pipeline(const std::vector<std::vector<std::string>>& commands) {
    std::vector<Reply> out;
    std::string why;
    bool used = on_connection(why, [&](redisContext* c, bool& broken) {
        std::vector<const char*> ptrs;
        std::vector<size_t> lens;
        for (const auto& argv : commands) {
            ptrs.clear();
            lens.clear();
            for (const auto& a : argv) {
                ptrs.push_back(a.data());
                lens.push_back(a.size());
            }
            if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data()) != REDIS_OK) {
                broken = true;
                break;
            }
        }
        std::vector<redisReply*> replies;
        if (!broken && !round_trip(c, commands.size(), replies, opt_.command_timeout_ms, why)) broken = true;
        out.reserve(commands.size());
        for (redisReply* r : replies) {
            if (!broken) {
                out.push_back(convert(r));
                check_demoted(out.back(), broken);
            }
            freeReplyObject(r);
        }
        if (broken) why = "redis: " + (why.empty() ? std::string(c->err ? c->errstr : "no reply") : why);
    });
    if (!used) out.clear();
    while (out.size() < commands.size()) out.push_back(Reply::failed(why));
    return out;
}

std::vector<Reply> RedisStore::eval_many(const Script& script, std::span<const ScriptCall> calls) {
    auto evalsha = [&](const ScriptCall& call) {
        std::vector<std::string> argv{"EVALSHA", script.sha1, std::to_string(call.keys.size())};
        argv.insert(argv.end(), call.keys.begin(), call.keys.end());
        argv.insert(argv.end(), call.args.begin(), call.args.end());
        return argv;
    };
    std::vector<std::vector<std::string>> commands;
    commands.reserve(calls.size());
    for (const ScriptCall& call : calls) commands.push_back(evalsha(call));
    std::vector<Reply> out = pipeline(commands);
    // Calls refused with NOSCRIPT (the script cache was flushed) ran nothing: load, run them again.
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i].type != Reply::Type::error || !out[i].str.starts_with("NOSCRIPT")) continue;
        Reply loaded = run(std::vector<std::string>{"SCRIPT", "LOAD", script.source});
        if (!loaded.ok()) return out;
        for (size_t j = i; j < out.size(); ++j)
            if (out[j].type == Reply::Type::error && out[j].str.starts_with("NOSCRIPT")) out[j] = run(commands[j]);
        break;
    }
    return out;
}

Reply RedisStore::command(std::span<const std::string> argv) { return run(argv); }

Reply RedisStore::run_asking(std::vector<std::string> argv) {
    std::vector<Reply> replies = pipeline({{"ASKING"}, std::move(argv)});
    return replies.size() == 2 ? std::move(replies[1]) : Reply::failed("redis: no reply to ASKING");
}

Reply RedisStore::eval(const Script& script, std::span<const std::string> keys, std::span<const std::string> args) {
    std::vector<std::string> argv;
    argv.reserve(3 + keys.size() + args.size());
    argv.push_back("EVALSHA");
    argv.push_back(script.sha1);
    argv.push_back(std::to_string(keys.size()));
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    Reply r = run(argv);
    if (r.type == Reply::Type::error && r.str.starts_with("NOSCRIPT")) {
        Reply loaded = run(std::vector<std::string>{"SCRIPT", "LOAD", script.source});
        if (!loaded.ok()) return loaded;
        r = run(argv);
    }
    return r;
}

}  // namespace sy::state
