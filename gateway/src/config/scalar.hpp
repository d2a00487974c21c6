// Typing of YAML scalar text (YAML 1.2 core schema, restricted to what JSON can represent).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sy::config {

// true/True/TRUE and false/False/FALSE; nothing else (no yes/no/on/off).
std::optional<bool> parse_bool(std::string_view text);

// [-+]?[0-9]+ within int64_t.
std::optional<int64_t> parse_int(std::string_view text);

// Integers and decimals with an optional exponent, finite only (no .inf/.nan).
std::optional<double> parse_double(std::string_view text);

// Shortest text that reads back as `value` (e.g. 0.5, 1e-06, 3).
std::string format_number(double value);

}  // namespace sy::config
