// Read first by every C++ file of an x86-64 release build (CMakeLists.txt, -include): rapidjson's
// reader scans strings and whitespace 16 bytes at a time (RAPIDJSON_SSE2), its writer does not.
// The writer's SIMD scan (rapidjson 1.1, Writer<StringBuffer>::ScanWriteUnescapedString) looks
// for bytes up to 0x19 where JSON must escape up to 0x1F, so 0x1A-0x1F (ESC among them) went out
// raw inside strings of 16 bytes or more: JSON that strict parsers refuse. Reading writer.h here,
// before the macro is set, leaves every file with the writer's plain byte loop.
#pragma once

#ifdef SY_RAPIDJSON_THROWS  // a bundled plugin: its throwing assertions come before any of rapidjson
#include "../plugins/common/rapidjson_assert.hpp"
#endif

#include <rapidjson/writer.h>

#define RAPIDJSON_SSE2
#include <rapidjson/reader.h>
