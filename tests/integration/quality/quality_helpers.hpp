// Shared by the quality tests: access-log lines of a type, polled until enough are written.
#pragma once

#include <string>
#include <vector>

#include "support/process.hpp"

namespace sy::test {

// Lines of `path` containing "type":"<type>", once there are at least `at_least` (bounded wait).
inline std::vector<std::string> log_lines(const std::string& path, const std::string& type, size_t at_least) {
    return await_file_lines(path, at_least, "\"type\":\"" + type + "\"");
}

}  // namespace sy::test
