// Shared driver of the provider targets (<provider>_provider_fuzz.cc): the bundled plugin is
// loaded as the gateway loads it (plugin/plugin_loader.cc, from the build's plugin directory),
// and its hooks are called through the C ABI with the gateway's host table and writer, the way
// server/provider_call.cc calls them.
//
// Input: [mode][parameter], then the payload.
//   mode & 3 == 0: parse_response of the payload as an upstream body, status from parameter
//            == 1: a stream: the payload split into events by the gateway's splitter with the
//                  framing the provider asks for, read `parameter` bytes at a time (0: at once)
//            == 2: build_request of the payload as a client's body (when the gateway accepts it)
//            == 3: parse_embeddings of the payload as an upstream body, status from parameter
//   mode bit 2: the client asked for a stream; bit 3: stream_options.include_usage
// Checks beyond "no crash": an answer the provider accepts is a JSON object, every stream frame
// it emits reads as one JSON value to an SSE client, and a translated request is JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sy::fuzz {

// Loads the bundled plugin `name` and creates an instance from its config (JSON); aborts when
// either fails.
void init_provider(const char* name, std::string_view config_json);
int run_provider(const uint8_t* data, size_t size);

}  // namespace sy::fuzz
