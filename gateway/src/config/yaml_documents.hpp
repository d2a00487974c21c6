// The one YAML document of a config text. Not YAML::LoadAll: yaml-cpp 0.7's never returns on
// some malformed text (a lone ',' makes it append null documents forever, taking more memory each
// time: jbeder/yaml-cpp#1040, found by fuzzing). The documents are counted first, and a parser
// that does not move forward from one document to the next is an error.
#pragma once

#include <string>
#include <string_view>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace sy::config {

// Sets root to the text's document (null for an empty text). False with an error message when
// the text holds several documents or the parser stalls; yaml-cpp's exceptions pass through.
bool load_one_document(std::string_view text, YAML::Node& root, std::string& error);

}  // namespace sy::config
