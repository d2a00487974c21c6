// The anthropic provider plugin (anthropic.so, from plugins/providers/anthropic): Anthropic Messages answers and SSE
// events, translated to OpenAI answers and chunks, and its request translation. Input format: provider_driver.hpp.
#include "provider_driver.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    sy::fuzz::init_provider("anthropic", R"({"api_key":"fuzz"})");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return sy::fuzz::run_provider(data, size);
}
