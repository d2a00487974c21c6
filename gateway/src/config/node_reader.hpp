// Typed, path-aware reading of a YAML tree. Every reader knows its key path (`models[1].deployments[0]`)
// and reports into a shared LoadContext that keeps the first error; after an error, reads still return
// safely (with defaults) so that parsers need no error plumbing of their own.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/env_subst.hpp"

namespace sy::config {

// State shared by all readers of one load.
class LoadContext {
public:
    explicit LoadContext(EnvLookup env) : env_(std::move(env)) {}

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    const EnvLookup& env() const { return env_; }

    // Records `path: what (line L, column C)` unless an error was recorded before.
    void fail(const std::string& path, std::string_view what, const YAML::Mark& mark);

private:
    EnvLookup env_;
    std::string error_;
};

// " (line L, column C)", or "" for a null mark.
std::string describe_mark(const YAML::Mark& mark);

// What a node is, for "expected X, got Y": "a map", "a list", "null", or the quoted scalar text.
std::string describe(const YAML::Node& node);

// Whether a string value may be empty, and whether it must be present.
enum class Text { any, non_empty, required };

// Inclusive range for numbers, optionally excluding `min` (weights must be > 0).
struct Bounds {
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool min_exclusive = false;
};

class MapReader;

class NodeReader {
public:
    // A present node at `path` (the root has an empty path).
    NodeReader(LoadContext& ctx, YAML::Node node, std::string path);
    // An absent key at `path`; errors about it point at `mark` (its parent).
    static NodeReader missing(LoadContext& ctx, std::string path, const YAML::Mark& mark);

    const std::string& path() const { return path_; }
    const YAML::Node& node() const { return node_; }
    const YAML::Mark& mark() const { return mark_; }
    bool exists() const { return exists_; }                          // the key is written (maybe null)
    bool has_value() const { return exists_ && !node_.IsNull(); }   // ... and is not null
    bool ok() const { return ctx_->ok(); }
    LoadContext& context() const { return *ctx_; }
    void fail(std::string_view what) const;

    // A map whose keys must be among `keys` (checked at once, so typos are reported first). Absent or
    // null reads as an empty map. Duplicate and non-scalar keys are errors.
    MapReader map(std::initializer_list<std::string_view> keys) const;
    MapReader map(std::span<const std::string_view> keys) const;
    // A map with any keys (free-form plugin settings).
    MapReader any_map() const;
    // The items of a list; absent or null reads as empty. `expected` describes it ("a list of models").
    std::vector<NodeReader> list(std::string_view expected) const;

    // The scalar's text after ${ENV} substitution; an error (naming `expected`) when not a scalar.
    std::optional<std::string> scalar(std::string_view expected) const;
    // Quoted, block or explicitly tagged scalars are strings; only plain ones are typed by their text.
    bool is_plain_scalar() const;

    // Typed reads: an absent key leaves `out` unchanged and returns false without error; a present key
    // must hold a value of the right type and range, else it is an error. True when `out` was set.
    bool get(std::string& out, Text rule = Text::any) const;
    bool get(bool& out) const;
    bool get(int& out, int64_t min) const;
    bool get(int64_t& out, int64_t min) const;
    bool get(double& out, const Bounds& bounds) const;
    bool get(std::optional<double>& out, const Bounds& bounds) const;

private:
    NodeReader(LoadContext& ctx, YAML::Node node, std::string path, const YAML::Mark& mark, bool exists);
    bool get_integer(int64_t& out, int64_t min, int64_t max) const;
    MapReader read_map(std::span<const std::string_view> keys, bool any_key) const;

    LoadContext* ctx_;
    YAML::Node node_;
    std::string path_;
    YAML::Mark mark_;
    bool exists_;
};

// The entries of a YAML map, in document order.
class MapReader {
public:
    MapReader(NodeReader owner, std::vector<std::pair<std::string, NodeReader>> entries,
              std::vector<std::string_view> keys);

    // The value of `key` (which must be one of the declared keys), or a missing reader.
    NodeReader operator[](std::string_view key) const;
    const std::vector<std::pair<std::string, NodeReader>>& entries() const { return entries_; }

private:
    NodeReader owner_;
    std::vector<std::pair<std::string, NodeReader>> entries_;
    std::vector<std::string_view> keys_;  // declared keys (empty for any_map)
};

// "a, b, c".
std::string join(std::span<const std::string_view> names);

// `a.b` for a key below `a`, `b` at the root.
std::string key_path(const std::string& parent, std::string_view key);

}  // namespace sy::config
