// Force-included into every bundled plugin (sy_plugin in cmake/SwitchyardHelpers.cmake), ahead of
// rapidjson: its assertions (a missing member read with operator[], a value read as another
// type) throw instead of aborting the gateway, or of reading garbage where NDEBUG removes them.
// The SDK's trampolines turn the exception into an error status for the host, so JSON of an
// unexpected shape from a client or an upstream fails that request only (found by fuzzing).
#pragma once

#include <stdexcept>

#define RAPIDJSON_ASSERT(x) \
    (static_cast<bool>(x) ? void(0) : throw std::invalid_argument("unexpected JSON shape (" #x ")"))
