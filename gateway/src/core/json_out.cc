#include "core/json_out.hpp"

#include <rapidjson/internal/dtoa.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace sy {
namespace {

// What a byte becomes inside a JSON string: 0 as it is, 'u' as \u00XX, else \ and that letter.
constexpr std::array<char, 256> kEscapes = [] {
    std::array<char, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[static_cast<size_t>(c)] = 'u';
    t['\b'] = 'b';
    t['\t'] = 't';
    t['\n'] = 'n';
    t['\f'] = 'f';
    t['\r'] = 'r';
    t['"'] = '"';
    t['\\'] = '\\';
    return t;
}();

// Hands `put(bytes, size)` the text escaped: clean runs whole, each escape on its own.
template <typename Put>
void escape(std::string_view text, Put&& put) {
    const char* p = text.data();
    const char* const end = p + text.size();
    while (p < end) {
        const char* run = p;
        while (p < end && !kEscapes[static_cast<unsigned char>(*p)]) ++p;
        put(run, static_cast<size_t>(p - run));
        if (p == end) break;
        const auto c = static_cast<unsigned char>(*p++);
        if (const char e = kEscapes[c]; e != 'u') {
            const char pair[2] = {'\\', e};
            put(pair, sizeof pair);
        } else {
            static constexpr char kHex[] = "0123456789ABCDEF";
            const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
            put(u, sizeof u);
        }
    }
}

}  // namespace

// Within the string's capacity first (a caller's reserve), then doubling.
void JsonOut::grow(size_t n) { out_.resize(std::max({out_.capacity(), 2 * out_.size(), size_ + n + 256})); }

void append_json_escaped(std::string& out, std::string_view text) {
    escape(text, [&out](const char* p, size_t n) { out.append(p, n); });
}

void JsonOut::quoted(std::string_view text) {
    put('"');
    escape(text, [this](const char* p, size_t n) { put(p, n); });
    put('"');
}

void JsonOut::key(std::string_view name) {
    comma();
    quoted(name);
    put(':');
    need_comma_ = false;
}

void JsonOut::string(std::string_view value) {
    comma();
    quoted(value);
    need_comma_ = true;
}

void JsonOut::integer(int64_t value) {
    comma();
    char* at = room(24);
    size_ += static_cast<size_t>(std::to_chars(at, at + 24, value).ptr - at);
    need_comma_ = true;
}

void JsonOut::number(double value) {
    if (!std::isfinite(value)) return null();  // JSON has no NaN or infinity
    comma();
    char* at = room(32);
    size_ += static_cast<size_t>(rapidjson::internal::dtoa(value, at) - at);  // rapidjson's format: 0.0, 1.5e-7
    need_comma_ = true;
}

void JsonOut::boolean(bool value) {
    comma();
    if (value) put("true", 4);
    else put("false", 5);
    need_comma_ = true;
}

void JsonOut::null() {
    comma();
    put("null", 4);
    need_comma_ = true;
}

}  // namespace sy
