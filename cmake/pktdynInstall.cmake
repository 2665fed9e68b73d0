# Install rules: headers, the exported targets, and a package config with an
# architecture-independent version file (a header-only library fits any architecture).
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(PKTDYN_CMAKE_DIR ${CMAKE_INSTALL_DATADIR}/cmake/pktdyn)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(pktdyn_export_targets pktdyn)
if(PKTDYN_LIBPCAP)
  list(APPEND pktdyn_export_targets pktdyn_libpcap)
endif()
if(PKTDYN_CRYPTO)
  list(APPEND pktdyn_export_targets pktdyn_crypto)
endif()
if(PKTDYN_EIGEN)
  list(APPEND pktdyn_export_targets pktdyn_eigen)
endif()
if(PKTDYN_XTENSOR)
  list(APPEND pktdyn_export_targets pktdyn_xtensor)
endif()
install(TARGETS ${pktdyn_export_targets} EXPORT pktdynTargets)
install(EXPORT pktdynTargets NAMESPACE pktdyn:: DESTINATION ${PKTDYN_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pktdynConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/pktdynConfig.cmake INSTALL_DESTINATION ${PKTDYN_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pktdynConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/pktdynConfig.cmake ${PROJECT_BINARY_DIR}/pktdynConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/pktdynDependencies.cmake
        DESTINATION ${PKTDYN_CMAKE_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/pktdyn)
# The shipped application models (models/app_classifier.hpp: app_classifier::load_shipped).
install(FILES ${PROJECT_SOURCE_DIR}/data/models/app_category_behaviour.json ${PROJECT_SOURCE_DIR}/data/models/app_category_text.json
              ${PROJECT_SOURCE_DIR}/data/models/app_name_behaviour.json ${PROJECT_SOURCE_DIR}/data/models/app_name_text.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/pktdyn/models)
