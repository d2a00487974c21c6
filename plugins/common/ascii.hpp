// ASCII case folding for plugins that match words case-insensitively (refusal phrases, keyword
// lists). Bytes outside A-Z pass unchanged, so UTF-8 text stays intact.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace sy_plugins {

inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace sy_plugins
