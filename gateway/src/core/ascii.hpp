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

}  // namespace sy
