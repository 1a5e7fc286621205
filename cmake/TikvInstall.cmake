# Install rules and the CMake package: find_package(TiKVClient CONFIG) gives TiKV::client.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tikv DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS tikv_client tikv_engine tikv_prod_env tikv_runtime tikv_status tikv_proto
        EXPORT TiKVClientTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT TiKVClientTargets NAMESPACE TiKV::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/TiKVClient)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/TiKVClientConfig.cmake.in
  ${PROJECT_BINARY_DIR}/TiKVClientConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/TiKVClient)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/TiKVClientConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/TiKVClientConfig.cmake
              ${PROJECT_BINARY_DIR}/TiKVClientConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/TiKVClient)

# tikv/status_proto.h (opt-in) includes the generated message headers flat ("kvrpcpb.pb.h"), so
# they are installed too, under include/tikv/proto.
install(DIRECTORY ${PROJECT_BINARY_DIR}/proto/tikv_proto_gen/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tikv/proto
        FILES_MATCHING PATTERN "*.pb.h" PATTERN "*.grpc.pb.h" EXCLUDE PATTERN "*_mock*" EXCLUDE)
target_include_directories(tikv_proto SYSTEM PUBLIC
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/tikv/proto>)
