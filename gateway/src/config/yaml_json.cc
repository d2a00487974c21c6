#include "config/yaml_json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "config/scalar.hpp"

namespace sy::config {
namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxValues = 100000;  // bounds alias expansion ("billion laughs")

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

class JsonConverter {
public:
    explicit JsonConverter(JsonWriter& writer) : w_(writer) {}

    bool value(const NodeReader& node, int depth) {
        if (depth > kMaxDepth) return fail(node, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
        if (++values_ > kMaxValues) return fail(node, "more than " + std::to_string(kMaxValues) + " values");
        switch (node.node().Type()) {
            case YAML::NodeType::Map: return object(node, depth);
            case YAML::NodeType::Sequence: return array(node, depth);
            case YAML::NodeType::Scalar: return scalar(node);
            default: return w_.Null();
        }
    }

private:
    static bool fail(const NodeReader& node, const std::string& what) {
        node.fail(what);
        return false;
    }

    bool object(const NodeReader& node, int depth) {
        MapReader map = node.any_map();
        w_.StartObject();
        for (const auto& [key, child] : map.entries()) {
            w_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()), true);
            if (!value(child, depth + 1)) return false;
        }
        return node.ok() && w_.EndObject();
    }

    bool array(const NodeReader& node, int depth) {
        w_.StartArray();
        for (const NodeReader& item : node.list("a list"))
            if (!value(item, depth + 1)) return false;
        return node.ok() && w_.EndArray();
    }

    bool scalar(const NodeReader& node) {
        std::optional<std::string> text = node.scalar("a value");
        if (!text) return false;
        if (node.is_plain_scalar()) {
            if (std::optional<bool> b = parse_bool(*text)) return w_.Bool(*b);
            if (std::optional<int64_t> i = parse_int(*text)) return w_.Int64(*i);
            if (std::optional<double> d = parse_double(*text)) return w_.Double(*d);
        }
        return w_.String(text->data(), static_cast<rapidjson::SizeType>(text->size()), true);
    }

    JsonWriter& w_;
    size_t values_ = 0;
};

}  // namespace

bool yaml_to_json(const NodeReader& node, std::string& out) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    JsonConverter converter(writer);
    if (!converter.value(node, 0)) return false;
    out.assign(buffer.GetString(), buffer.GetSize());
    return true;
}

void read_plugin_config(const NodeReader& node, std::string& out) {
    if (!node.has_value()) return;
    if (!node.node().IsMap()) {
        node.fail("expected a map of plugin settings, got " + describe(node.node()));
        return;
    }
    yaml_to_json(node, out);
}

}  // namespace sy::config
