// Base64 (standard alphabet, padded), for embeddings answered as encoding_format: base64
// (little-endian float32 bytes, as OpenAI sends them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sy_plugins {

inline std::string base64(const unsigned char* p, size_t n) {
    static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((n + 2) / 3 * 4);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = static_cast<uint32_t>(p[i]) << 16;
        if (i + 1 < n) v |= static_cast<uint32_t>(p[i + 1]) << 8;
        if (i + 2 < n) v |= p[i + 2];
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
        out += i + 2 < n ? kAlphabet[v & 63] : '=';
    }
    return out;
}

inline std::string base64_floats(const std::vector<float>& v) {
    return base64(reinterpret_cast<const unsigned char*>(v.data()), v.size() * sizeof(float));
}

}  // namespace sy_plugins
