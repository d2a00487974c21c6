// Helpers for the tests that drive deploy/local-cluster.sh.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace sy::test {

inline std::string run(const std::string& cmd) { return capture(cmd); }

inline std::map<std::string, std::string> env_file(const std::string& path) {
    std::map<std::string, std::string> out;
    std::string text = read_file(path);
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (size_t eq = line.find('='); eq != std::string::npos) {
            std::string v = line.substr(eq + 1);
            if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
            out[line.substr(0, eq)] = v;
        }
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    return out;
}

// Running and not a zombie (the script's processes are adopted by whoever reaps orphans).
inline bool alive(int pid) {
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    size_t paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// "8001 8002 8003" -> {8001, 8002, 8003}.
inline std::vector<int> port_list(const std::string& ports) {
    std::vector<int> out;
    for (size_t pos = 0; pos < ports.size();) {
        size_t sp = ports.find(' ', pos);
        out.push_back(std::stoi(ports.substr(pos, sp - pos)));
        pos = sp == std::string::npos ? ports.size() : sp + 1;
    }
    return out;
}

}  // namespace sy::test
