# Install rules and the CMake package: find_package(TiKVClient CONFIG) gives TiKV::client.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tikv DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS tikv_client tikv_engine tikv_prod_env tikv_runtime tikv_proto
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
