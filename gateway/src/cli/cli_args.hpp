// A small option parser for the subcommands: --name VALUE pairs, repeatable ones, flags, and
// positional arguments, with usage errors that name the option.
#pragma once

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sy::cli {

// Prints "switchyard: message" to stderr and returns the exit code: 2 usage, 1 failure.
inline int report(const std::string& message, int code) {
    std::fprintf(stderr, "switchyard: %s\n", message.c_str());
    return code;
}
inline int usage(const std::string& message) { return report(message, 2); }
inline int fail(const std::string& message) { return report(message, 1); }

class Args {
public:
    // `valued`: options that take a value; `flags`: options that do not.
    Args(const std::vector<std::string>& argv, std::set<std::string> valued, std::set<std::string> flags) {
        for (size_t i = 0; i < argv.size(); ++i) {
            const std::string& a = argv[i];
            if (valued.count(a)) {
                if (i + 1 >= argv.size()) {
                    error_ = a + " needs a value";
                    return;
                }
                values_[a].push_back(argv[++i]);
            } else if (flags.count(a)) {
                values_[a].push_back("");
            } else if (a.rfind("--", 0) == 0) {
                error_ = "unknown option " + a;
                return;
            } else {
                positional_.push_back(a);
            }
        }
    }
    const std::string& error() const { return error_; }
    bool has(const std::string& name) const { return values_.count(name) != 0; }
    std::string get(const std::string& name, std::string fallback = {}) const {
        auto it = values_.find(name);
        return it == values_.end() ? fallback : it->second.back();
    }
    std::vector<std::string> all(const std::string& name) const {
        auto it = values_.find(name);
        return it == values_.end() ? std::vector<std::string>{} : it->second;
    }
    const std::vector<std::string>& positional() const { return positional_; }
    // Parses a number option; false with a usage message when it is not one or is out of range.
    bool number(const std::string& name, double& out, double min, double max, std::string& why) const {
        if (!has(name)) return true;
        std::string v = get(name);
        char* end = nullptr;
        double d = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || !(d >= min && d <= max)) {
            why = name + " must be a number in " + trim(min) + ".." + trim(max) + ", got '" + v + "'";
            return false;
        }
        out = d;
        return true;
    }

private:
    static std::string trim(double d) {
        char b[32];
        std::snprintf(b, sizeof b, "%g", d);
        return b;
    }
    std::map<std::string, std::vector<std::string>> values_;
    std::vector<std::string> positional_;
    std::string error_;
};

}  // namespace sy::cli
