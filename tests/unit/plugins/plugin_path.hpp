#pragma once

#include <cstdlib>
#include <string>

inline std::string bundled_plugin(const std::string& name) {
    const char* d = std::getenv("SY_BUILD_DIR");
    return std::string(d ? d : "build") + "/lib/switchyard/plugins/" + name + ".so";
}
