# install.cmake - how kssim installs like any OpenSSL provider (issue 16): the public library libkssim
# (shared, exporting only kssim_*, and static), its headers and kssim.pc, the kssim program, the provider
# keystore.so in OpenSSL's modules directory, docs and man pages; and the CPack settings of the Debian
# package (`cpack -G DEB` in the build directory). Included from the top-level CMakeLists.txt after the
# layers' libraries and the provider are defined. docs/install.md explains the choices.
include(GNUInstallDirs)

# libkssim: the public API (include/kssim/kssim.h) is implemented by the layers core .. store (the
# runner and the CLI are programs' parts, not API: no scenario running in the library, hence no libyaml).
# The library is made of the layers' own objects, compiled once; the layer libraries stay internal.
set(KSSIM_LIBRARY_LAYERS kssim_core kssim_secure kssim_keystore2 kssim_framework kssim_store)
set(kssim_library_objects "")
foreach(layer ${KSSIM_LIBRARY_LAYERS})
  list(APPEND kssim_library_objects $<TARGET_OBJECTS:${layer}>)
endforeach()

# The soname follows project(VERSION): before 1.0 every minor release may change the ABI, so the soname
# carries MAJOR.MINOR (libkssim.so.0.1); from 1.0 on, MAJOR alone (libkssim.so.1).
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(KSSIM_SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
else()
  set(KSSIM_SOVERSION ${PROJECT_VERSION_MAJOR})
endif()
add_library(kssim_shared SHARED ${kssim_library_objects})
set_target_properties(kssim_shared PROPERTIES OUTPUT_NAME kssim VERSION ${PROJECT_VERSION} SOVERSION ${KSSIM_SOVERSION}
                                              LINK_DEPENDS ${CMAKE_SOURCE_DIR}/cmake/libkssim.map)
find_package(Threads REQUIRED)
target_link_libraries(kssim_shared PRIVATE OpenSSL::Crypto SQLite::SQLite3 Threads::Threads)
target_link_options(kssim_shared PRIVATE -Wl,--version-script=${CMAKE_SOURCE_DIR}/cmake/libkssim.map)
# Every symbol the library needs is in its own objects or its dependencies; not checked under the
# sanitizers, whose runtime clang leaves out of shared libraries (the program that loads them brings it).
if(NOT KSSIM_SANITIZE AND NOT KSSIM_FUZZ)
  target_link_options(kssim_shared PRIVATE -Wl,--no-undefined)
endif()

# libkssim.a: the same objects, prelinked into one (ld -r) in which every symbol but kssim_* is made local,
# so that the archive, like the shared library, offers only the public API and its internal names cannot
# clash with an outside program's (test/shell/install_prefix.sh links one that defines such a name).
set(KSSIM_STATIC_ARCHIVE ${CMAKE_BINARY_DIR}/libkssim.a)
set(kssim_prelinked ${CMAKE_BINARY_DIR}/libkssim_prelinked.o)
add_custom_command(
  OUTPUT ${KSSIM_STATIC_ARCHIVE}
  COMMAND ${CMAKE_LINKER} -r -o ${kssim_prelinked} ${kssim_library_objects}
  COMMAND ${CMAKE_OBJCOPY} --wildcard --keep-global-symbol=kssim_* ${kssim_prelinked}
  COMMAND ${CMAKE_COMMAND} -E rm -f ${KSSIM_STATIC_ARCHIVE}
  COMMAND ${CMAKE_AR} rcs ${KSSIM_STATIC_ARCHIVE} ${kssim_prelinked}
  DEPENDS ${KSSIM_LIBRARY_LAYERS}
  COMMENT "Prelinking libkssim.a (only kssim_* global)"
  COMMAND_EXPAND_LISTS VERBATIM)
add_custom_target(kssim_static ALL DEPENDS ${KSSIM_STATIC_ARCHIVE})

# OpenSSL's modules directory. Installed relative to the prefix, so that with the prefix /usr it is exactly
# the system's directory (pkg-config --variable=modulesdir libcrypto, e.g. /usr/lib/x86_64-linux-gnu/
# ossl-modules) and with any other prefix P it is P/lib/<multiarch>/ossl-modules, writable without root.
# -DKSSIM_OPENSSL_MODULESDIR=/abs/dir installs there whatever the prefix.
execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --variable=modulesdir libcrypto OUTPUT_VARIABLE kssim_system_modulesdir
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(kssim_system_modulesdir MATCHES "^/usr/(.+)$")
  set(kssim_default_modulesdir ${CMAKE_MATCH_1})
else()
  set(kssim_default_modulesdir ${CMAKE_INSTALL_LIBDIR}/ossl-modules)
endif()
set(KSSIM_OPENSSL_MODULESDIR "${kssim_default_modulesdir}"
    CACHE STRING "Where keystore.so is installed: relative to the install prefix, or an absolute directory")
if(IS_ABSOLUTE "${KSSIM_OPENSSL_MODULESDIR}")
  set(KSSIM_INSTALLED_MODULESDIR "${KSSIM_OPENSSL_MODULESDIR}")
  set(KSSIM_PC_MODULESDIR "${KSSIM_OPENSSL_MODULESDIR}")
else()
  set(KSSIM_INSTALLED_MODULESDIR "${CMAKE_INSTALL_PREFIX}/${KSSIM_OPENSSL_MODULESDIR}")
  set(KSSIM_PC_MODULESDIR "\${prefix}/${KSSIM_OPENSSL_MODULESDIR}")
endif()

# `kssim openssl-config` (sim/cli/command_openssl_config.c) finds keystore.so from where the running kssim
# lives: BINDIR/../<modules dir relative to the prefix> for an installed kssim (whatever --prefix was
# given to cmake --install), the build directory for build/kssim, the configured absolute path last.
target_compile_definitions(
  kssim_cli PRIVATE KSSIM_INSTALL_BINDIR="${CMAKE_INSTALL_BINDIR}" KSSIM_MODULESDIR_IN_PREFIX="${KSSIM_OPENSSL_MODULESDIR}"
                    KSSIM_INSTALLED_MODULESDIR="${KSSIM_INSTALLED_MODULESDIR}")

file(RELATIVE_PATH KSSIM_PC_PREFIX_FROM_PCFILEDIR /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" KSSIM_PC_PREFIX_FROM_PCFILEDIR "${KSSIM_PC_PREFIX_FROM_PCFILEDIR}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/kssim.pc.in ${CMAKE_BINARY_DIR}/kssim.pc @ONLY)

install(TARGETS kssim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS kssim_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_SKIP)
install(TARGETS kssim_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_ONLY)
install(FILES ${KSSIM_STATIC_ARCHIVE} DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES include/kssim/kssim.h include/kssim/result.h include/kssim/provider.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kssim)
install(FILES ${CMAKE_BINARY_DIR}/kssim.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(TARGETS keystore LIBRARY DESTINATION ${KSSIM_OPENSSL_MODULESDIR})
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
install(FILES provider/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME provider.md)
install(FILES man/kssim.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES man/kssim-scenario.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES man/keystore-provider.7 DESTINATION ${CMAKE_INSTALL_MANDIR}/man7)

# The Debian package: `cd build && cpack -G DEB` (test/shell/install_deb.sh extracts and runs it).
set(CPACK_PACKAGE_NAME kssim)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "kssim maintainers <kssim@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "simulator of Android's key authorization, with the OpenSSL 3 provider keystore")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES OFF)
include(CPack)
