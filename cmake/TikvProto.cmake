# tikv_proto_library(<target>
#   ROOT <dir>              proto root; PROTOS are named relative to it
#   PROTOS <file.proto>...  files to generate message code for (into <target>)
#   [GRPC <file.proto>...]) the subset that also gets gRPC service stubs and gmock stubs, built
#                           into <target>_grpc (linked only by tests and tools: the engine speaks
#                           gRPC through the generic stub and needs no generated service code)
# protoc's output goes to the build tree and is never committed (protocol.md section 2.2).
function(tikv_proto_library target)
  cmake_parse_arguments(PL "" "ROOT" "PROTOS;GRPC" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_gen)
  file(MAKE_DIRECTORY ${out})
  list(TRANSFORM PL_PROTOS PREPEND ${PL_ROOT}/ OUTPUT_VARIABLE inputs)
  set(srcs)
  set(grpc_srcs)
  foreach(p IN LISTS PL_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" stem "${p}")
    add_custom_command(
      OUTPUT ${out}/${stem}.pb.cc ${out}/${stem}.pb.h
      COMMAND protobuf::protoc --cpp_out=${out} -I${PL_ROOT} ${PL_ROOT}/${p}
      DEPENDS ${inputs} protobuf::protoc
      COMMENT "protoc ${p}"
      VERBATIM)
    list(APPEND srcs ${out}/${stem}.pb.cc ${out}/${stem}.pb.h)
    if(p IN_LIST PL_GRPC)
      set(gouts ${out}/${stem}.grpc.pb.cc ${out}/${stem}.grpc.pb.h ${out}/${stem}_mock.grpc.pb.h)
      add_custom_command(
        OUTPUT ${gouts}
        COMMAND protobuf::protoc --grpc_out=generate_mock_code=true:${out}
                --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
                -I${PL_ROOT} ${PL_ROOT}/${p}
        DEPENDS ${inputs} protobuf::protoc gRPC::grpc_cpp_plugin
        COMMENT "grpc_cpp_plugin ${p}"
        VERBATIM)
      list(APPEND grpc_srcs ${gouts})
    endif()
  endforeach()
  add_library(${target} STATIC ${srcs})
  target_compile_options(${target} PRIVATE -w)
  target_include_directories(${target} SYSTEM PUBLIC $<BUILD_INTERFACE:${out}>)
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
  if(grpc_srcs)
    add_library(${target}_grpc STATIC ${grpc_srcs})
    target_compile_options(${target}_grpc PRIVATE -w)
    target_link_libraries(${target}_grpc PUBLIC ${target} gRPC::grpc++)
  endif()
endfunction()
