# Build variants (toolchain.md section 2.11) and the project's warning flags.
set(TIKV_SANITIZE "" CACHE STRING "address;undefined, or thread, or empty")
option(TIKV_COVERAGE "instrument for gcov-style line coverage" OFF)
option(TIKV_FUZZ "build libFuzzer targets (clang only)" OFF)
option(TIKV_FIBER_UCONTEXT "use Boost.Context's ucontext back end (ASan builds)" OFF)
option(TIKV_WERROR "treat project warnings as errors" ON)

if(TIKV_SANITIZE)
  list(JOIN TIKV_SANITIZE "," tikv_san)
  add_compile_options(-fsanitize=${tikv_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${tikv_san})
endif()
if(TIKV_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(TIKV_COVERAGE)
  add_compile_options(--coverage -O0)
  add_link_options(--coverage)
endif()
if(TIKV_FIBER_UCONTEXT)
  add_compile_definitions(BOOST_USE_UCONTEXT)
  if("address" IN_LIST TIKV_SANITIZE)
    add_compile_definitions(BOOST_USE_ASAN)
  endif()
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # lld links the large protobuf binaries several times faster than GNU ld.
  find_program(TIKV_LLD ld.lld-14 ld.lld)
  if(TIKV_LLD)
    add_link_options(-fuse-ld=lld)
  endif()
endif()

# Warnings for project code; generated code is compiled with -w (cmake/TikvProto.cmake).
# Designated initializers that name only some fields are the idiom for option structs.
set(TIKV_WARNINGS -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
if(TIKV_WERROR)
  list(APPEND TIKV_WARNINGS -Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  list(APPEND TIKV_WARNINGS -Wthread-safety)
elseif(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # g++ 12 at -O2/-O3 reports -Wrestrict false positives inside libstdc++'s std::string
  # (GCC bug 105651); they are not in our code.
  list(APPEND TIKV_WARNINGS -Wno-restrict)
endif()

# Applies the project's warning flags to `target`.
function(tikv_warnings target)
  target_compile_options(${target} PRIVATE ${TIKV_WARNINGS})
endfunction()
