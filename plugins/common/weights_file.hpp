// The weights file of a trained router: a JSON header (router kind, embedder identity, model
// names, tensor shapes, training summary) and float32 tensors, sealed with a checksum so a
// truncated or altered file is refused at load with a clear message.
//
//   "SYRW"  u32 format (1)  u32 header_len  header JSON
//   u64 float_count  float32 x float_count (little-endian)  u64 FNV-1a of every byte before it
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <switchyard/sdk.hpp>

namespace sy_plugins {

struct Tensor {
    std::string name;
    std::vector<size_t> shape;
    size_t size() const {
        size_t n = 1;
        for (size_t s : shape) n *= s;
        return n;
    }
};

struct WeightsFile {
    rapidjson::Document header;
    std::vector<float> data;

    // The tensor named `name` with exactly `shape`, as a pointer into data; throws otherwise.
    const float* tensor(std::string_view name, const std::vector<size_t>& shape) const;
};

namespace weights_detail {

constexpr char kMagic[4] = {'S', 'Y', 'R', 'W'};
constexpr uint32_t kFormat = 1;

inline uint64_t fnv1a(std::string_view bytes) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
    return h;
}

template <typename T>
void put(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof v);  // the formats are little-endian; so are the supported hosts
    out.append(b, sizeof b);
}

template <typename T>
bool get(std::string_view in, size_t& pos, T& v) {
    if (in.size() - pos < sizeof(T)) return false;
    std::memcpy(&v, in.data() + pos, sizeof v);
    pos += sizeof v;
    return true;
}

[[noreturn]] inline void corrupt(std::string_view what, const std::string& why) {
    throw switchyard::Error(std::string(what) + ": not a valid router weights file (" + why + ")", SY_ERR_CONFIG);
}

}  // namespace weights_detail

// header_json must list the tensors as "tensors": [{"name": ..., "shape": [...]}, ...] in data order.
inline std::string encode_weights(std::string_view header_json, const std::vector<float>& data) {
    using namespace weights_detail;
    std::string out(kMagic, sizeof kMagic);
    put<uint32_t>(out, kFormat);
    put<uint32_t>(out, static_cast<uint32_t>(header_json.size()));
    out.append(header_json);
    put<uint64_t>(out, data.size());
    out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float));
    put<uint64_t>(out, fnv1a(out));
    return out;
}

// `what` names the file in errors. Checks magic, format, sizes, checksum and the tensor table.
inline WeightsFile decode_weights(std::string_view bytes, std::string_view what) {
    using namespace weights_detail;
    if (bytes.size() < 4 || std::memcmp(bytes.data(), kMagic, 4) != 0) corrupt(what, "wrong magic");
    size_t pos = 4;
    uint32_t format = 0, header_len = 0;
    if (!get(bytes, pos, format) || !get(bytes, pos, header_len)) corrupt(what, "truncated header");
    if (format != kFormat)
        corrupt(what, "format " + std::to_string(format) + ", this plugin reads " + std::to_string(kFormat));
    if (bytes.size() - pos < header_len) corrupt(what, "truncated header");
    std::string_view header(bytes.data() + pos, header_len);
    pos += header_len;
    uint64_t count = 0;
    if (!get(bytes, pos, count)) corrupt(what, "truncated");
    if (count > (bytes.size() - pos) / sizeof(float) || bytes.size() - pos != count * sizeof(float) + 8)
        corrupt(what, "truncated or padded tensor data");
    uint64_t stored = 0;
    size_t sum_pos = pos + count * sizeof(float);
    get(bytes, sum_pos, stored);
    if (stored != fnv1a(bytes.substr(0, pos + count * sizeof(float)))) corrupt(what, "checksum mismatch");

    WeightsFile f;
    f.header.Parse(header.data(), header.size());
    if (f.header.HasParseError() || !f.header.IsObject()) corrupt(what, "header is not a JSON object");
    f.data.resize(count);
    std::memcpy(f.data.data(), bytes.data() + pos, count * sizeof(float));
    return f;
}

inline const float* WeightsFile::tensor(std::string_view name, const std::vector<size_t>& shape) const {
    auto t = header.FindMember("tensors");
    if (t == header.MemberEnd() || !t->value.IsArray()) weights_detail::corrupt(name, "no tensor table");
    size_t offset = 0;
    for (const auto& entry : t->value.GetArray()) {
        if (!entry.IsObject() || !entry.HasMember("name") || !entry["name"].IsString() || !entry.HasMember("shape") ||
            !entry["shape"].IsArray())
            weights_detail::corrupt(name, "malformed tensor table");
        Tensor tensor{entry["name"].GetString(), {}};
        for (const auto& d : entry["shape"].GetArray()) {
            if (!d.IsUint64()) weights_detail::corrupt(name, "malformed tensor shape");
            tensor.shape.push_back(static_cast<size_t>(d.GetUint64()));
        }
        if (tensor.name == name) {
            if (tensor.shape != shape) weights_detail::corrupt(name, "tensor has another shape than its header says");
            if (offset + tensor.size() > data.size()) weights_detail::corrupt(name, "tensor runs past the data");
            return data.data() + offset;
        }
        offset += tensor.size();
    }
    weights_detail::corrupt(name, "tensor missing");
}

}  // namespace sy_plugins
