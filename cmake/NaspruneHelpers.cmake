# Helpers that keep every CMakeLists.txt a list of targets, in the spirit of
# absl_cc_library.
#
#   nasprune_cc_library(NAME genome SRCS a.cc HDRS a.h DEPS nasprune::proto
#                       [PRIVATE_DEPS nasprune::canonical])
#     -> target nasprune_genome, alias nasprune::genome. DEPS are what its
#     headers need (users get them too); PRIVATE_DEPS only its sources.
#   nasprune_cc_binary(NAME nasprune OUTPUT nasprune SRCS main.cc DEPS ...
#                      [DIR bench])  -> <build>/bin (or <build>/DIR)/nasprune
#   nasprune_cc_test(NAME genome_hash_test SRCS hash_test.cc DEPS ...
#                    [LABELS unit])  -> GoogleTest binary, registered with
#                    CTest through gtest_discover_tests, label `unit` unless
#                    LABELS says otherwise.
#
# Every target links nasprune::settings (C++20, warnings).

include(GoogleTest)

function(nasprune_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;HDRS;DEPS;PUBLIC_DEPS;PRIVATE_DEPS"
                        ${ARGN})
  set(target nasprune_${ARG_NAME})
  if(ARG_SRCS)
    add_library(${target} STATIC ${ARG_SRCS} ${ARG_HDRS})
    target_link_libraries(${target}
      PUBLIC ${ARG_PUBLIC_DEPS} ${ARG_DEPS}
      PRIVATE ${ARG_PRIVATE_DEPS} nasprune::settings)
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  else()
    add_library(${target} INTERFACE ${ARG_HDRS})
    target_link_libraries(${target} INTERFACE ${ARG_PUBLIC_DEPS} ${ARG_DEPS})
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR})
  endif()
  add_library(nasprune::${ARG_NAME} ALIAS ${target})
endfunction()

function(nasprune_cc_binary)
  cmake_parse_arguments(ARG "" "NAME;OUTPUT;DIR" "SRCS;DEPS" ${ARGN})
  if(NOT ARG_DIR)
    set(ARG_DIR bin)
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} nasprune::settings)
  if(ARG_OUTPUT)
    set_target_properties(${ARG_NAME} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT})
  endif()
  set_target_properties(${ARG_NAME} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/${ARG_DIR})
endfunction()

function(nasprune_cc_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME}
    PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main nasprune::settings)
  set_target_properties(${ARG_NAME} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  gtest_discover_tests(${ARG_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}"
    DISCOVERY_TIMEOUT 60)
endfunction()
