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

// Equal ignoring ASCII case (header names and tokens), without a copy.
inline bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

}  // namespace sy
