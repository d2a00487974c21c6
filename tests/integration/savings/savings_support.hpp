// Shared by the savings and sessions integration tests: a chat body, reading the access log.
#pragma once

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {

// A conversation: the system message, then user and assistant turns alternating.
inline std::string conversation(const std::string& model, const std::vector<std::string>& turns,
                                const std::string& extra = "") {
    std::string body = R"({"model": ")" + model + R"(", "messages": [{"role": "system", "content": "be brief"})";
    for (size_t i = 0; i < turns.size(); ++i)
        body += std::string(R"(, {"role": ")") + (i % 2 ? "assistant" : "user") + R"(", "content": ")" + turns[i] + "\"}";
    return body + "]" + (extra.empty() ? "" : ", " + extra) + "}";
}

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The file's lines once it has at least `n` (lines are written after the answers), bounded.
inline std::vector<std::string> await_lines(const std::string& path, size_t n) {
    std::vector<std::string> out;
    for (int i = 0; i < 250; ++i) {
        out.clear();
        std::stringstream ss(slurp(path));
        for (std::string l; std::getline(ss, l);)
            if (!l.empty()) out.push_back(l);
        if (out.size() >= n) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return out;
}

}  // namespace sy::test
