#include "config/env_subst.hpp"

#include <cstdlib>

namespace sy::config {
namespace {

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }

bool is_env_name(std::string_view name) {
    if (name.empty() || !is_name_start(name.front())) return false;
    for (char c : name)
        if (!is_name_start(c) && !(c >= '0' && c <= '9')) return false;
    return true;
}

// Expands the inside of one `${...}` into `out`.
bool expand_reference(std::string_view inside, const EnvLookup& env, std::string& out, std::string& error) {
    size_t sep = inside.find(":-");
    std::string name(inside.substr(0, sep));
    if (!is_env_name(name)) {
        error = "invalid environment variable reference '${" + std::string(inside) +
                "}' (expected ${NAME} or ${NAME:-default} with NAME made of letters, digits and '_')";
        return false;
    }
    std::optional<std::string> value = env(name);
    if (sep != std::string_view::npos && (!value || value->empty())) {
        out.append(inside.substr(sep + 2));
        return true;
    }
    if (!value) {
        error = "environment variable " + name + " is not set";
        return false;
    }
    out.append(*value);
    return true;
}

}  // namespace

EnvLookup process_env() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (!value) return std::nullopt;
        return std::string(value);
    };
}

bool expand_env(std::string_view text, const EnvLookup& env, std::string& out, std::string& error) {
    out.clear();
    size_t i = 0;
    while (i < text.size()) {
        size_t dollar = text.find('$', i);
        out.append(text.substr(i, dollar - i));
        if (dollar == std::string_view::npos) break;
        char next = dollar + 1 < text.size() ? text[dollar + 1] : '\0';
        if (next != '{') {
            out.push_back('$');                 // `$$` -> `$`; a lone `$` stays
            i = dollar + (next == '$' ? 2 : 1);
            continue;
        }
        size_t close = text.find('}', dollar + 2);
        if (close == std::string_view::npos) {
            error = "'${' without a closing '}' (write '$$' for a literal '$')";
            return false;
        }
        if (!expand_reference(text.substr(dollar + 2, close - dollar - 2), env, out, error)) return false;
        i = close + 1;
    }
    return true;
}

}  // namespace sy::config
