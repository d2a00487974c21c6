// Shared by the quality tests: access-log lines of a type, polled until enough are written.
#pragma once

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"

namespace sy::test {

// Lines of `path` containing "type":"<type>", once there are at least `at_least` (bounded wait).
inline std::vector<std::string> log_lines(const std::string& path, const std::string& type, size_t at_least) {
    std::vector<std::string> out;
    const std::string tag = "\"type\":\"" + type + "\"";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
        out.clear();
        std::string text = read_file(path);
        for (size_t pos = 0; pos < text.size();) {
            size_t nl = text.find('\n', pos);
            if (nl == std::string::npos) break;
            std::string line = text.substr(pos, nl - pos);
            if (line.find(tag) != std::string::npos) out.push_back(line);
            pos = nl + 1;
        }
        if (out.size() >= at_least) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return out;
}

}  // namespace sy::test
