// A virtual key's settings as JSON: the body of POST/PATCH /admin/keys and the form keys are
// stored in the state store. Parsed with the config readers, so errors name the field the same
// way config errors do. ${ENV} references are refused (a client must not read the environment).
#pragma once

#include <string>
#include <string_view>

#include <switchyard/config.hpp>

#include "config/node_reader.hpp"

namespace sy::config {

// The fields a key shares between config and the admin API: tier, team, labels, models, limits,
// user_limits. `cfg` (may be null) validates model names.
void parse_key_settings(const MapReader& m, const Config* cfg, ApiKeyConfig& out);

// Parses a JSON object into `out`. Fields absent from the text keep their value in `out`, so a
// PATCH applies to a copy of the current record. `allow_id` accepts the `id` field.
bool parse_key_record(std::string_view json, const Config* cfg, bool allow_id, ApiKeyConfig& out, std::string& error);

// The record as JSON (never the secret).
std::string key_record_json(const ApiKeyConfig& key);

// Identifiers (key ids, team names): up to 64 of [A-Za-z0-9_.-].
bool is_identifier(std::string_view s);

}  // namespace sy::config
