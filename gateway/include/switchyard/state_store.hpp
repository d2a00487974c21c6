// The state store: where budgets, rate limits and virtual keys live. Two implementations: an
// in-process store (the default for one instance) and Redis (shared by every instance). Every
// multi-step update is a Lua script that both stores run atomically, so callers see the same
// semantics whichever store is configured. Calls never throw and never wait longer than the
// store's command timeout; a failure is a Reply of type `failure`.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sy::state {

// A Redis-shaped reply: nil, integer, string (bulk or status), array, or an error. `failure`
// means the store could not be reached or did not answer in time (as opposed to a script error).
struct Reply {
    enum class Type { nil, integer, string, array, error, failure } type = Type::nil;
    int64_t integer = 0;
    std::string str;              // string value, or the error message
    std::vector<Reply> elements;  // array elements

    bool ok() const { return type != Type::error && type != Type::failure; }
    static Reply failed(std::string why) { return {Type::failure, 0, std::move(why), {}}; }
    static Reply error(std::string why) { return {Type::error, 0, std::move(why), {}}; }
    // Element i as an integer (0 when absent or not numeric).
    int64_t int_at(size_t i) const;
    std::string_view str_at(size_t i) const;
};

// A script known to the store by name; its SHA-1 is computed once.
struct Script {
    std::string name;
    std::string source;
    std::string sha1;  // hex
    Script(std::string name, std::string source);
};

// One script call of a batch.
struct ScriptCall {
    std::vector<std::string> keys;
    std::vector<std::string> args;
};

class Store {
public:
    virtual ~Store() = default;
    // Runs `script` atomically. keys[0] names the hash slot (Redis Cluster) the script works in.
    virtual Reply eval(const Script& script, std::span<const std::string> keys,
                       std::span<const std::string> args) = 0;
    // Runs several calls of one script, each atomically, in order; one reply per call. Redis
    // pipelines them (one write, one read for the batch).
    virtual std::vector<Reply> eval_many(const Script& script, std::span<const ScriptCall> calls) {
        std::vector<Reply> out;
        out.reserve(calls.size());
        for (const ScriptCall& c : calls) out.push_back(eval(script, c.keys, c.args));
        return out;
    }
    // A plain command (GET, HSET, ...) for single-key operations.
    virtual Reply command(std::span<const std::string> argv) = 0;
    // "memory" or "redis".
    virtual std::string_view kind() const = 0;
};

}  // namespace sy::state
