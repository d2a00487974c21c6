// Shared by the savings and sessions integration tests: a chat body of a conversation.
#pragma once

#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/process.hpp"
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

}  // namespace sy::test
