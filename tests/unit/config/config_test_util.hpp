// Helpers shared by the config loader tests.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "config/loader.hpp"

namespace sy::config::test {

// Where the inline configs pretend to live (relative plugin paths resolve against its directory).
inline const std::string kSourcePath = "/etc/switchyard/gateway.yaml";

inline LoadResult load(std::string_view yaml) { return load_config_string(yaml, kSourcePath); }

// Loads a config that must be valid.
inline Config load_ok(std::string_view yaml) {
    LoadResult r = load(yaml);
    EXPECT_TRUE(r.config.has_value()) << r.error;
    EXPECT_EQ(r.error, "");
    return r.config.value_or(Config{});
}

// Loads a config that must be refused; returns the error.
inline std::string load_error(std::string_view yaml) {
    LoadResult r = load(yaml);
    EXPECT_FALSE(r.config.has_value()) << "config was accepted";
    EXPECT_NE(r.error, "");
    return r.error;
}

// One provider and two models, so that tests can append routers and routing that refer to them.
inline constexpr std::string_view kProvidersAndModels = R"(
providers:
  - name: local
    plugin: mock
models:
  - name: strong
    deployments: [{provider: local}]
  - name: weak
    aliases: [cheap]
    deployments: [{provider: local}]
)";

inline std::string with_base(std::string_view extra) { return std::string(kProvidersAndModels) + std::string(extra); }

// Sets (or unsets, with nullopt) an environment variable for the lifetime of the object.
class ScopedEnv {
public:
    ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str())) old_ = old;
        apply(value);
    }
    ~ScopedEnv() { apply(old_); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    void apply(const std::optional<std::string>& value) {
        if (value)
            ::setenv(name_.c_str(), value->c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }

    std::string name_;
    std::optional<std::string> old_;
};

}  // namespace sy::config::test
