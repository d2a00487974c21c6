#include "state/cluster_slots.hpp"

namespace sy::state {

std::string_view hash_tag(std::string_view key) {
    size_t open = key.find('{');
    if (open == std::string_view::npos) return key;
    size_t close = key.find('}', open + 1);
    if (close == std::string_view::npos || close == open + 1) return key;
    return key.substr(open + 1, close - open - 1);
}

uint16_t crc16_xmodem(std::string_view data) {
    uint16_t crc = 0;
    for (unsigned char c : data) {
        crc ^= static_cast<uint16_t>(c << 8);
        for (int i = 0; i < 8; ++i) crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : static_cast<uint16_t>(crc << 1);
    }
    return crc;
}

}  // namespace sy::state
