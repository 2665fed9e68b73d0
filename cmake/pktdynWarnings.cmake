# Warnings for pktdyn's own code (tests, examples, benchmarks), never imposed on consumers.
include_guard(GLOBAL)

function(pktdyn_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false positives through xtensor's reducers in optimised builds, and in
    # std::string's copies of literals longer than its small buffer (GCC bug 105651).
    target_compile_options(${target} PRIVATE
                           $<$<NOT:$<CONFIG:Debug>>:-Wno-stringop-overflow -Wno-array-bounds -Wno-stringop-overread>)
  endif()
endfunction()
