// ASCII case folding for the gateway (header names, a judge's verdict words). Bytes outside
// A-Z pass unchanged. (Plugins have their own copy in plugins/common/ascii.hpp: they build
// against the SDK only.)
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace sy {

inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// One byte folded: A-Z to a-z, every other byte as it is (no locale, no library call).
inline unsigned char ascii_lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; }

// Equal ignoring ASCII case (header names and tokens), without a copy.
inline bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(static_cast<unsigned char>(a[i])) != ascii_lower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

}  // namespace sy
