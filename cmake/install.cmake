# Installing bpfcert: the commands, their man pages and bash completion, the libraries with their
# headers, a CMake package (find_package(bpfcert) gives bpfcert::semantics, bpfcert::verifier,
# ...), a pkg-config file, the conformance corpus and the report schemas; and a Debian package
# of all of it (cpack -G DEB).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(BPFCERT_INSTALL_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}/bpfcert")
set(BPFCERT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/bpfcert")

# Every library of the library folders, found rather than listed, so a new folder's library is
# installed without touching this file. cli/, tests/, bench/ and fuzz/ hold no library to ship.
function(bpfcert_collect_libraries dir out)
  set(found)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t ${targets})
    get_target_property(type ${t} TYPE)
    if(t MATCHES "^bpfcert_" AND (type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "SHARED_LIBRARY"))
      list(APPEND found ${t})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    bpfcert_collect_libraries("${sub}" sub_found)
    list(APPEND found ${sub_found})
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

set(BPFCERT_LIBRARIES)
get_property(top_subdirs DIRECTORY "${PROJECT_SOURCE_DIR}" PROPERTY SUBDIRECTORIES)
foreach(sub ${top_subdirs})
  if(NOT sub MATCHES "/(cli|tests|bench|fuzz)$")
    bpfcert_collect_libraries("${sub}" libs)
    list(APPEND BPFCERT_LIBRARIES ${libs})
  endif()
endforeach()

# In the build tree a library's headers are found from the repository root
# ("semantics/program.h"); installed, from include/bpfcert. bpfcert::<folder> is the name
# either way (EXPORT_NAME drops the bpfcert_ prefix: bpfcert_verifier_smt -> verifier_smt).
foreach(lib ${BPFCERT_LIBRARIES})
  get_target_property(dirs ${lib} INTERFACE_INCLUDE_DIRECTORIES)
  set(wrapped)
  if(dirs)
    foreach(d ${dirs})
      if(d MATCHES "^\\$<")
        list(APPEND wrapped "${d}")
      else()
        list(APPEND wrapped "$<BUILD_INTERFACE:${d}>")
      endif()
    endforeach()
  endif()
  list(APPEND wrapped "$<INSTALL_INTERFACE:${BPFCERT_INSTALL_INCLUDEDIR}>")
  string(REGEX REPLACE "^bpfcert_" "" export_name ${lib})
  set_target_properties(${lib} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${wrapped}" EXPORT_NAME ${export_name})
endforeach()

install(TARGETS ${BPFCERT_LIBRARIES} bpfcert_warnings
        EXPORT bpfcertTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
set_target_properties(bpfcert_warnings PROPERTIES EXPORT_NAME warnings)
install(EXPORT bpfcertTargets NAMESPACE bpfcert:: DESTINATION ${BPFCERT_INSTALL_CMAKEDIR})

# Headers keep their folder: #include "verifier/analyzer.h" works installed as in the tree.
foreach(folder semantics interp reports verifier conformance loader objects machine)
  if(IS_DIRECTORY "${PROJECT_SOURCE_DIR}/${folder}")
    install(DIRECTORY "${PROJECT_SOURCE_DIR}/${folder}" DESTINATION ${BPFCERT_INSTALL_INCLUDEDIR}
            FILES_MATCHING PATTERN "*.h")
  endif()
endforeach()

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/bpfcertConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/bpfcertConfig.cmake"
                              INSTALL_DESTINATION ${BPFCERT_INSTALL_CMAKEDIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/bpfcertConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/bpfcertConfig.cmake" "${PROJECT_BINARY_DIR}/bpfcertConfigVersion.cmake"
        DESTINATION ${BPFCERT_INSTALL_CMAKEDIR})

# pkg-config: static libraries in a link group, so their order does not matter.
set(BPFCERT_PC_LIBS)
foreach(lib ${BPFCERT_LIBRARIES})
  string(APPEND BPFCERT_PC_LIBS " -l${lib}")
endforeach()
# Relocatable: the prefix is found from the .pc file's own folder (cmake --install --prefix P).
file(RELATIVE_PATH BPFCERT_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file("${PROJECT_SOURCE_DIR}/cmake/bpfcert.pc.in" "${PROJECT_BINARY_DIR}/bpfcert.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/bpfcert.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Data the commands read: the conformance corpus (`bpfcert conform`'s default) and the schemas.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/corpus/conformance" DESTINATION ${CMAKE_INSTALL_DATADIR}/bpfcert/corpus)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/reports/schemas/" DESTINATION ${CMAKE_INSTALL_DATADIR}/bpfcert/schemas)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The Debian package: `cpack -G DEB --config build/CPackConfig.cmake` (.ci/package).
set(CPACK_PACKAGE_NAME bpfcert)
set(CPACK_PACKAGE_VENDOR "bpfcert")
set(CPACK_PACKAGE_CONTACT "bpfcert developers <bpfcert@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "reference toolkit for the eBPF ISA: interpreter, JIT, conformance, verifier, prover")
set(CPACK_PACKAGE_DESCRIPTION
    "bpfcert is a reference toolkit for the eBPF instruction set (RFC 9669): a reference interpreter and x86-64 JIT, assembler and disassembler, a conformance corpus and runner that certifies any VM per conformance group, an abstract-interpretation verifier for BPF programs and objects with SARIF output, and a Z3 prover of the verifier's operators. This package holds the bpfcert command, its libraries and headers (CMake package and pkg-config file) and the conformance corpus.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # dpkg-shlibdeps: libz3, libbpf, libelf, libfmt, ...
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build.*/" "/\\\\.git/" "/out/")
include(CPack)
