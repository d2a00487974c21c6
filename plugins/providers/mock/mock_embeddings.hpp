// The mock provider's embeddings: the host's built-in embedding of each input (so similar texts
// are similar), optionally folded onto `dimensions` and renormalised, as floats or base64
// (encoding_format), in the OpenAI embeddings shape.
#pragma once

#include <string>
#include <string_view>

#include <switchyard/sdk.hpp>

namespace sy_plugins::mock {

// The OpenAI embeddings body for `request` (throws switchyard::Error SY_ERR_BAD_REQUEST for a
// bad one).
std::string embeddings_json(const switchyard::Host& host, const switchyard::EmbeddingsRequest& request,
                            std::string_view model_label);

}  // namespace sy_plugins::mock
