// Writes Lua policies to a temp dir and builds PolicySets over a small model catalog.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "policy/policy_set.hpp"

namespace sy::policy::test {

class PolicyFiles {
public:
    PolicyFiles() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "sy-policy-XXXXXX").string();
        dir_ = ::mkdtemp(tmpl.data());
    }
    ~PolicyFiles() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    config::PolicyConfig write(const std::string& name, const std::string& lua) {
        config::PolicyConfig p;
        p.name = name;
        p.file = dir_ + "/" + name + ".lua";
        std::ofstream(p.file) << lua;
        return p;
    }

private:
    std::string dir_;
};

inline Catalog test_catalog() {
    Catalog c;
    c.model = [](std::string_view name) -> std::optional<ModelInfo> {
        if (name == "strong") return ModelInfo{5, 15, 128000, false, true};
        if (name == "weak") return ModelInfo{0.1, 0.4, 32000, false, true};
        if (name == "local") return ModelInfo{0, 0, 8000, true, true};
        return std::nullopt;
    };
    c.router_exists = [](std::string_view name) { return name == "r1"; };
    return c;
}

}  // namespace sy::policy::test
