# Small helpers so every folder declares one target the same way.
include_guard(GLOBAL)

# sy_library(<name> SOURCES ... [DEPS ...]) -> static library sy_<name>, alias sy::<name>
function(sy_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(sy_${name} STATIC ${ARG_SOURCES})
  add_library(sy::${name} ALIAS sy_${name})
  target_link_libraries(sy_${name} PUBLIC ${ARG_DEPS})
  target_compile_options(sy_${name} PRIVATE ${SY_WARNINGS})
  set_target_properties(sy_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# sy_plugin(<name> SOURCES ... [DEPS ...] [FIXTURE]) -> <name>.so in lib/switchyard/plugins
# (FIXTURE: test-only plugin, built into lib/switchyard/test-plugins and never installed).
function(sy_plugin name)
  cmake_parse_arguments(ARG "FIXTURE" "" "SOURCES;DEPS" ${ARGN})
  add_library(plugin_${name} MODULE ${ARG_SOURCES})
  target_link_libraries(plugin_${name} PRIVATE switchyard::sdk ${ARG_DEPS})
  # rapidjson's assertions throw inside plugins (see the header); SY_RAPIDJSON_THROWS has the
  # build's rapidjson prelude (cmake/rapidjson_simd.hpp), read before this, define them first
  target_compile_options(plugin_${name} PRIVATE ${SY_WARNINGS}
                         $<$<COMPILE_LANGUAGE:CXX>:-include ${CMAKE_SOURCE_DIR}/plugins/common/rapidjson_assert.hpp>)
  target_compile_definitions(plugin_${name} PRIVATE SY_RAPIDJSON_THROWS)
  if(ARG_FIXTURE)
    set(outdir ${CMAKE_BINARY_DIR}/lib/switchyard/test-plugins)
  else()
    set(outdir ${CMAKE_BINARY_DIR}/lib/switchyard/plugins)
    install(TARGETS plugin_${name} LIBRARY DESTINATION lib/switchyard/plugins)
  endif()
  set_target_properties(plugin_${name} PROPERTIES
    PREFIX "" OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${outdir}
    CXX_VISIBILITY_PRESET hidden C_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  # Export switchyard_plugin_entry only (the SDK's switchyard_add_plugin does the same).
  set(map ${PROJECT_SOURCE_DIR}/sdk/cmake/switchyard_plugin.map)
  target_link_options(plugin_${name} PRIVATE "LINKER:--version-script=${map}")
  set_property(TARGET plugin_${name} APPEND PROPERTY LINK_DEPENDS ${map})
endfunction()

# sy_test(<name> SOURCES ... [DEPS ...] [LABELS ...]) -> gtest executable registered with ctest
function(sy_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_options(${name} PRIVATE ${SY_WARNINGS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 30
    PROPERTIES LABELS "${ARG_LABELS}"
    ENVIRONMENT "SY_BUILD_DIR=${CMAKE_BINARY_DIR}"
    ENVIRONMENT_MODIFICATION "SY_SOURCE_DIR=set:${CMAKE_SOURCE_DIR}")
endfunction()
