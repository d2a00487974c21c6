// Reading and replacing top-level members of a JSON object in its text, without a document:
// a provider that only renames the model sends the client's body with one value spliced,
// instead of parsing and re-serialising it on every request. The text is a body the gateway
// already parsed strictly (no duplicate keys, nothing after it); anything the scanner does not
// follow (a key spelled with escapes, odd input) makes it report failure, and callers then take
// the document path.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace sy_plugins {

inline constexpr size_t kNoPos = std::string_view::npos;

// Where a member's value lies in the text: [begin, end).
struct ValueSpan {
    size_t begin = kNoPos, end = kNoPos;
    bool found() const { return begin != kNoPos; }
    std::string_view in(std::string_view text) const { return found() ? text.substr(begin, end - begin) : std::string_view(); }
};

namespace json_scan {

inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline size_t skip_ws(std::string_view s, size_t i) {
    while (i < s.size() && is_ws(s[i])) ++i;
    return i;
}

// s[i] is '"': the index after the closing quote (memchr to each quote, then whether an odd
// run of backslashes escapes it).
inline size_t skip_string(std::string_view s, size_t i) {
    for (size_t from = i + 1; from < s.size();) {
        const void* q = std::memchr(s.data() + from, '"', s.size() - from);
        if (!q) return kNoPos;
        size_t at = static_cast<size_t>(static_cast<const char*>(q) - s.data());
        size_t slashes = 0;
        while (at - slashes > i + 1 && s[at - slashes - 1] == '\\') ++slashes;
        if (slashes % 2 == 0) return at + 1;
        from = at + 1;
    }
    return kNoPos;
}

// The index after the value starting at s[i].
inline size_t skip_value(std::string_view s, size_t i) {
    if (i >= s.size()) return kNoPos;
    if (s[i] == '"') return skip_string(s, i);
    if (s[i] == '{' || s[i] == '[') {
        int depth = 0;
        while (i < s.size()) {
            char c = s[i];
            if (c == '"') {
                i = skip_string(s, i);
                if (i == kNoPos) return kNoPos;
                continue;
            }
            if (c == '{' || c == '[') ++depth;
            else if ((c == '}' || c == ']') && --depth == 0) return i + 1;
            ++i;
        }
        return kNoPos;
    }
    size_t j = i;  // a number or a literal
    while (j < s.size() && !is_ws(s[j]) && s[j] != ',' && s[j] != '}' && s[j] != ']') ++j;
    return j == i ? kNoPos : j;
}

}  // namespace json_scan

// For each of `keys`, the span of its value among the members of the object `json` (not found:
// an empty span). False when `json` is not an object the scanner follows.
template <size_t N>
bool top_level_values(std::string_view json, const std::array<std::string_view, N>& keys, std::array<ValueSpan, N>& out) {
    using namespace json_scan;
    out = {};
    size_t i = skip_ws(json, 0);
    if (i >= json.size() || json[i] != '{') return false;
    i = skip_ws(json, i + 1);
    if (i < json.size() && json[i] == '}') return skip_ws(json, i + 1) == json.size();
    while (i < json.size()) {
        if (json[i] != '"') return false;
        size_t key_end = skip_string(json, i);
        if (key_end == kNoPos) return false;
        std::string_view key = json.substr(i + 1, key_end - i - 2);
        i = skip_ws(json, key_end);
        if (i >= json.size() || json[i] != ':') return false;
        size_t value = skip_ws(json, i + 1);
        size_t value_end = skip_value(json, value);
        if (value_end == kNoPos) return false;
        for (size_t k = 0; k < N; ++k)
            if (key == keys[k]) out[k] = {value, value_end};
        i = skip_ws(json, value_end);
        if (i >= json.size()) return false;
        if (json[i] == '}') return skip_ws(json, i + 1) == json.size();
        if (json[i] != ',') return false;
        i = skip_ws(json, i + 1);
    }
    return false;
}

// `text` as a JSON string literal, quotes included.
inline std::string json_quoted(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            static const char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

// `json` with the value at `at` replaced by `value` (JSON text).
inline std::string splice(std::string_view json, ValueSpan at, std::string_view value) {
    std::string out;
    out.reserve(json.size() - (at.end - at.begin) + value.size());
    out.append(json.substr(0, at.begin)).append(value).append(json.substr(at.end));
    return out;
}

}  // namespace sy_plugins
