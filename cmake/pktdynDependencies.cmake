# Finds pktdyn's dependencies (all Debian 12 packages) and attaches them to a target.
# Shared by the build tree and, through pktdynConfig.cmake, by installed consumers.
include_guard(GLOBAL)
include(CMakeFindDependencyMacro)

# Inside find_package(pktdyn) a missing dependency makes pktdyn "not found" (find_dependency);
# in pktdyn's own build it is a hard error.
macro(_pktdyn_find)
  if(DEFINED CMAKE_FIND_PACKAGE_NAME)
    find_dependency(${ARGV})
  else()
    find_package(${ARGV} REQUIRED)
  endif()
endmacro()

_pktdyn_find(fmt 9)
if(PKTDYN_EIGEN)
  _pktdyn_find(Eigen3 3.4 NO_MODULE)
endif()
if(PKTDYN_XTENSOR)
  _pktdyn_find(xsimd 8)
  _pktdyn_find(xtensor 0.24)
endif()

if(PKTDYN_LIBPCAP)
  find_package(PkgConfig REQUIRED)
  # libpcap ships no CMake config on Debian 12.
  pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET GLOBAL libpcap)
endif()

if(PKTDYN_CRYPTO)
  # Debian's libssl-dev: OpenSSL::Crypto (libcrypto) for QUIC Initial keys, X.509 and digests.
  _pktdyn_find(OpenSSL 3)
endif()

# The core needs fmt only. Eigen rides on pktdyn::eigen, xtensor on pktdyn::xtensor: a consumer of
# the core compiles and links without them. xtensor's SIMD define changes its allocator types, so
# every translation unit that sees xtensor must see the same one: it rides on pktdyn::xtensor.
function(pktdyn_link_dependencies target)
  target_link_libraries(${target} INTERFACE fmt::fmt)
endfunction()
