# Helpers that turn folders into targets, so adding a file needs no CMake edit.

# tikv_layer_library(<target> DIRS <dir>... [FILES <file>...] [EXCLUDE_DIRS <dir>...]
#                    [EXCLUDE_FILES <file>...] [LINK <dep>...])
# A static library of every .cc under DIRS (recursively) plus FILES, minus the excluded ones. A layer with no
# sources yet still builds (from an empty translation unit), so later layers can link it.
function(tikv_layer_library target)
  cmake_parse_arguments(LL "" "" "DIRS;FILES;EXCLUDE_DIRS;EXCLUDE_FILES;LINK" ${ARGN})
  set(srcs ${LL_FILES})
  foreach(d IN LISTS LL_DIRS)
    file(GLOB_RECURSE found CONFIGURE_DEPENDS ${d}/*.cc)
    list(APPEND srcs ${found})
  endforeach()
  foreach(d IN LISTS LL_EXCLUDE_DIRS)
    list(FILTER srcs EXCLUDE REGEX "^${d}/")
  endforeach()
  if(LL_EXCLUDE_FILES)
    list(REMOVE_ITEM srcs ${LL_EXCLUDE_FILES})
  endif()
  if(NOT srcs)
    set(empty ${CMAKE_CURRENT_BINARY_DIR}/${target}_empty.cc)
    file(WRITE ${empty} "// ${target} has no sources yet.\n")
    set(srcs ${empty})
  endif()
  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:include>)
  target_link_libraries(${target} PUBLIC ${LL_LINK})
  tikv_warnings(${target})
endfunction()

# Libraries every test, scenario, tool and fuzz target may link.
set(TIKV_ALL_LIBS tikv_sim tikv_engine tikv_prod_env tikv_runtime tikv_status tikv_proto_grpc
    tikv_proto)

# tikv_test_folder(<dir>): one gtest binary `tikv_<name>_tests` per folder of tests/, built from
# every .cc in it (tests and their folder-local helpers) plus tests/util; each test case is its
# own ctest entry.
function(tikv_test_folder dir)
  get_filename_component(name ${dir} NAME)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${dir}/*.cc)
  if(NOT srcs)
    return()
  endif()
  set(target tikv_${name}_tests)
  add_executable(${target} ${srcs})
  target_link_libraries(${target} PRIVATE tikv_test_util ${TIKV_ALL_LIBS}
                        rapidcheck_gtest rapidcheck GTest::gmock GTest::gtest_main)
  tikv_warnings(${target})
  gtest_discover_tests(${target}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 120
    PROPERTIES TIMEOUT 300 LABELS ${name})
endfunction()
