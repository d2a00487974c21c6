#include "config/scalar.hpp"

#include <charconv>
#include <cmath>

namespace sy::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Advances `i` past a run of digits; returns how many there were.
size_t skip_digits(std::string_view s, size_t& i) {
    size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i - start;
}

// from_chars takes no leading '+'.
std::string_view without_plus(std::string_view s) { return s.starts_with('+') ? s.substr(1) : s; }

// [-+]? ( [0-9]+ ( . [0-9]* )? | . [0-9]+ ) ( [eE] [-+]? [0-9]+ )?
bool looks_like_number(std::string_view s) {
    size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t digits = skip_digits(s, i);
    if (i < s.size() && s[i] == '.') {
        ++i;
        digits += skip_digits(s, i);
    }
    if (digits == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
        if (skip_digits(s, i) == 0) return false;
    }
    return i == s.size();
}

}  // namespace

std::optional<bool> parse_bool(std::string_view text) {
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    return std::nullopt;
}

std::optional<int64_t> parse_int(std::string_view text) {
    std::string_view s = without_plus(text);
    if (s.empty() || (s.size() < text.size() && !is_digit(s.front()))) return std::nullopt;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
}

std::optional<double> parse_double(std::string_view text) {
    if (!looks_like_number(text)) return std::nullopt;
    std::string_view s = without_plus(text);
    double value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}

std::string format_number(double value) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return ec == std::errc() ? std::string(buf, end) : std::to_string(value);
}

}  // namespace sy::config
