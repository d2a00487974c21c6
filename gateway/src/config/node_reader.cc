#include "config/node_reader.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

#include "config/scalar.hpp"

namespace sy::config {
namespace {

constexpr size_t kMaxShownScalar = 60;

std::string bounds_violation(double value, const Bounds& b) {
    if (value < b.min || (b.min_exclusive && value == b.min))
        return std::string(b.min_exclusive ? "must be > " : "must be >= ") + format_number(b.min);
    if (value > b.max) return "must be <= " + format_number(b.max);
    return "";
}

}  // namespace

void LoadContext::fail(const std::string& path, std::string_view what, const YAML::Mark& mark) {
    if (!error_.empty()) return;
    error_ = path.empty() ? std::string(what) : path + ": " + std::string(what);
    error_ += describe_mark(mark);
}

std::string describe_mark(const YAML::Mark& mark) {
    if (mark.is_null()) return "";
    return " (line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) + ")";
}

std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map: return "a map";
        case YAML::NodeType::Sequence: return "a list";
        case YAML::NodeType::Scalar: {
            const std::string& text = node.Scalar();
            if (text.size() > kMaxShownScalar) return "'" + text.substr(0, kMaxShownScalar) + "...'";
            return "'" + text + "'";
        }
        default: return "null";
    }
}

std::string join(std::span<const std::string_view> names) {
    std::string out;
    for (std::string_view name : names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

std::string key_path(const std::string& parent, std::string_view key) {
    return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

NodeReader::NodeReader(LoadContext& ctx, YAML::Node node, std::string path)
    : NodeReader(ctx, node, std::move(path), node.Mark(), true) {}

NodeReader::NodeReader(LoadContext& ctx, YAML::Node node, std::string path, const YAML::Mark& mark, bool exists)
    : ctx_(&ctx), node_(std::move(node)), path_(std::move(path)), mark_(mark), exists_(exists) {}

NodeReader NodeReader::missing(LoadContext& ctx, std::string path, const YAML::Mark& mark) {
    return NodeReader(ctx, YAML::Node(), std::move(path), mark, false);
}

void NodeReader::fail(std::string_view what) const { ctx_->fail(path_, what, mark_); }

MapReader NodeReader::map(std::initializer_list<std::string_view> keys) const {
    return read_map(std::span<const std::string_view>(keys.begin(), keys.size()), false);
}

MapReader NodeReader::map(std::span<const std::string_view> keys) const { return read_map(keys, false); }

MapReader NodeReader::any_map() const { return read_map({}, true); }

MapReader NodeReader::read_map(std::span<const std::string_view> keys, bool any_key) const {
    std::vector<std::pair<std::string, NodeReader>> entries;
    std::vector<std::string_view> declared(keys.begin(), keys.end());
    if (!has_value()) return MapReader(*this, std::move(entries), std::move(declared));
    if (!node_.IsMap()) {
        fail("expected a map" + (any_key ? std::string() : " with keys " + join(keys)) + ", got " +
             describe(node_));
        return MapReader(*this, std::move(entries), std::move(declared));
    }
    for (const auto& pair : node_) {  // by value: yaml-cpp's operator-> yields a short-lived proxy
        if (!ok()) break;
        const YAML::Node key = pair.first;
        if (!key.IsScalar()) {
            ctx_->fail(path_, "map keys must be plain names, got " + describe(key), key.Mark());
            break;
        }
        std::string name = key.Scalar();
        std::string path = key_path(path_, name);
        auto same = [&](const auto& entry) { return entry.first == name; };
        if (std::any_of(entries.begin(), entries.end(), same)) {
            ctx_->fail(path, "duplicate key", key.Mark());
            break;
        }
        if (!any_key && std::find(keys.begin(), keys.end(), name) == keys.end()) {
            ctx_->fail(path, "unknown key (expected one of: " + join(keys) + ")", key.Mark());
            break;
        }
        entries.emplace_back(name, NodeReader(*ctx_, pair.second, std::move(path)));
    }
    return MapReader(*this, std::move(entries), std::move(declared));
}

std::vector<NodeReader> NodeReader::list(std::string_view expected) const {
    std::vector<NodeReader> items;
    if (!has_value()) return items;
    if (!node_.IsSequence()) {
        fail("expected " + std::string(expected) + ", got " + describe(node_));
        return items;
    }
    items.reserve(node_.size());
    for (const auto& item : node_) items.emplace_back(*ctx_, item, path_ + "[" + std::to_string(items.size()) + "]");
    return items;
}

std::optional<std::string> NodeReader::scalar(std::string_view expected) const {
    if (!node_.IsScalar()) {
        fail("expected " + std::string(expected) + ", got " + describe(node_));
        return std::nullopt;
    }
    std::string out;
    std::string error;
    if (!expand_env(node_.Scalar(), ctx_->env(), out, error)) {
        fail(error);
        return std::nullopt;
    }
    return out;
}

bool NodeReader::is_plain_scalar() const { return node_.IsScalar() && node_.Tag() == "?"; }

bool NodeReader::get(std::string& out, Text rule) const {
    if (!exists_) {
        if (rule == Text::required) fail("is required (expected a non-empty string)");
        return false;
    }
    std::optional<std::string> text = scalar(rule == Text::any ? "a string" : "a non-empty string");
    if (!text) return false;
    if (rule != Text::any && text->empty()) {
        fail("must not be empty");
        return false;
    }
    out = std::move(*text);
    return true;
}

bool NodeReader::get(bool& out) const {
    if (!exists_) return false;
    std::optional<std::string> text = scalar("true or false");
    if (!text) return false;
    std::optional<bool> value = parse_bool(*text);
    if (!value) {
        fail("expected true or false, got '" + *text + "'");
        return false;
    }
    out = *value;
    return true;
}

bool NodeReader::get_integer(int64_t& out, int64_t min, int64_t max) const {
    if (!exists_) return false;
    std::optional<std::string> text = scalar("an integer");
    if (!text) return false;
    std::optional<int64_t> value = parse_int(*text);
    if (!value) {
        fail("expected an integer, got '" + *text + "'");
        return false;
    }
    if (*value < min || *value > max) {
        fail((*value < min ? "must be >= " + std::to_string(min) : "must be <= " + std::to_string(max)) +
             ", got " + *text);
        return false;
    }
    out = *value;
    return true;
}

bool NodeReader::get(int& out, int64_t min) const {
    int64_t value = 0;
    if (!get_integer(value, min, std::numeric_limits<int>::max())) return false;
    out = static_cast<int>(value);
    return true;
}

bool NodeReader::get(int64_t& out, int64_t min) const {
    return get_integer(out, min, std::numeric_limits<int64_t>::max());
}

bool NodeReader::get(double& out, const Bounds& bounds) const {
    if (!exists_) return false;
    std::optional<std::string> text = scalar("a number");
    if (!text) return false;
    std::optional<double> value = parse_double(*text);
    if (!value) {
        fail("expected a number, got '" + *text + "'");
        return false;
    }
    if (std::string why = bounds_violation(*value, bounds); !why.empty()) {
        fail(why + ", got " + *text);
        return false;
    }
    out = *value;
    return true;
}

bool NodeReader::get(std::optional<double>& out, const Bounds& bounds) const {
    double value = 0;
    if (!get(value, bounds)) return false;
    out = value;
    return true;
}

MapReader::MapReader(NodeReader owner, std::vector<std::pair<std::string, NodeReader>> entries,
                     std::vector<std::string_view> keys)
    : owner_(std::move(owner)), entries_(std::move(entries)), keys_(std::move(keys)) {}

NodeReader MapReader::operator[](std::string_view key) const {
    assert(std::find(keys_.begin(), keys_.end(), key) != keys_.end() && "read of an undeclared key");
    for (const auto& [name, value] : entries_)
        if (name == key) return value;
    return NodeReader::missing(owner_.context(), key_path(owner_.path(), key), owner_.mark());
}

}  // namespace sy::config
