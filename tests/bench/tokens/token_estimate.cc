// Reads one JSON string per line on stdin, prints estimate_tokens() of each on stdout.
#include <iostream>
#include <string>

#include <rapidjson/document.h>

#include <switchyard/chat_request.hpp>

int main() {
    std::string line;
    while (std::getline(std::cin, line)) {
        rapidjson::Document d;
        d.Parse(line.data(), line.size());
        if (d.HasParseError() || !d.IsString()) {
            std::cout << -1 << '\n';
            continue;
        }
        std::cout << sy::estimate_tokens(std::string_view(d.GetString(), d.GetStringLength())) << '\n';
    }
    return 0;
}
