// The YAML config loader (config/loader.cc) on any text, from memory: no file is read (the
// loader only checks whether the policy files a config names exist). Input: the YAML text.
// Checks beyond "no crash": a refused config always says why.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view yaml(reinterpret_cast<const char*>(data), size);
    sy::config::LoadResult r = sy::config::load_config_string(yaml, "");
    if (!r.config && r.error.empty()) std::abort();
    return 0;
}
