# What `cmake --install` adds beyond the binary, the plugins (lib/switchyard/plugins, where the
# binary looks by default) and the SDK: router weights, example policies, an example config,
# the systemd unit and the docs. The shipped config and unit name the default prefix,
# /usr/local; the installed copies name the actual one.
set(SY_SHARE_DIR ${CMAKE_INSTALL_DATADIR}/switchyard)

foreach(router mf sw)
  install(DIRECTORY plugins/routers/${router}/weights/ DESTINATION ${SY_SHARE_DIR}/weights/${router}
          FILES_MATCHING PATTERN "*.syrw")
endforeach()
install(DIRECTORY policies/ DESTINATION ${SY_SHARE_DIR}/policies FILES_MATCHING PATTERN "*.lua" PATTERN "*.yaml")
install(FILES deploy/quickstart-policy.lua deploy/quickstart-policy_test.yaml DESTINATION ${SY_SHARE_DIR}/examples)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The config and unit with <prefix> in place of /usr/local, written at install time so that
# `cmake --install --prefix DIR` is honoured.
install(CODE "
  set(prefix \"\${CMAKE_INSTALL_PREFIX}\")
  foreach(pair \"deploy/systemd/switchyard.yaml;${SY_SHARE_DIR}/examples\"
               \"deploy/systemd/switchyard.service;lib/systemd/system\")
    list(GET pair 0 src)
    list(GET pair 1 dest)
    file(READ \"${CMAKE_SOURCE_DIR}/\${src}\" text)
    string(REPLACE \"/usr/local\" \"\${prefix}\" text \"\${text}\")
    get_filename_component(name \"\${src}\" NAME)
    file(MAKE_DIRECTORY \"\${prefix}/\${dest}\")
    file(WRITE \"\${prefix}/\${dest}/\${name}\" \"\${text}\")
    message(STATUS \"Installing: \${prefix}/\${dest}/\${name}\")
  endforeach()
")
