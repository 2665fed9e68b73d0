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
_pktdyn_find(Eigen3 3.4 NO_MODULE)
_pktdyn_find(xsimd 8)
_pktdyn_find(xtensor 0.24)

if(PKTDYN_LIBPCAP)
  find_package(PkgConfig REQUIRED)
  # libpcap ships no CMake config on Debian 12.
  pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET GLOBAL libpcap)
endif()

if(PKTDYN_CRYPTO)
  # Debian's libssl-dev: OpenSSL::Crypto (libcrypto) for QUIC Initial keys, X.509 and digests.
  _pktdyn_find(OpenSSL 3)
endif()

# xtensor's SIMD define changes its allocator types, so every translation unit must see the same
# one: it rides on pktdyn's interface target, never on a single file.
function(pktdyn_link_dependencies target)
  target_link_libraries(${target} INTERFACE fmt::fmt Eigen3::Eigen xtensor xtensor::use_xsimd)
endfunction()
