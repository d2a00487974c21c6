// Redis Cluster key slots: CRC16 (XMODEM) of the key, or of its hash tag ({...}), modulo 16384.
#pragma once

#include <cstdint>
#include <string_view>

namespace sy::state {

constexpr int kClusterSlots = 16384;

// The part of a key that decides its slot: the text between the first '{' and the next '}'
// when that is not empty, else the whole key.
std::string_view hash_tag(std::string_view key);
uint16_t crc16_xmodem(std::string_view data);
inline int key_slot(std::string_view key) { return crc16_xmodem(hash_tag(key)) % kClusterSlots; }

}  // namespace sy::state
