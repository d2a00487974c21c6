// The openai provider plugin (openai.so, from plugins/providers/openai): OpenAI answers and SSE chunks (passed through
// with usage and errors extracted), and its request translation. Input format: provider_driver.hpp.
#include "provider_driver.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    sy::fuzz::init_provider("openai", R"({"api_key":"sk-fuzz"})");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return sy::fuzz::run_provider(data, size);
}
