# Warning and code-generation flags shared by every lwb4 target.
add_library(lwb4_flags INTERFACE)
target_compile_options(lwb4_flags INTERFACE -Wall -Wextra -Werror -Wshadow
  # GCC 12 at -O2 reports std::variant/std::optional members as "maybe
  # uninitialized" when they are not (a known false positive); -O2 builds
  # (RelWithDebInfo, used under user-mode-linux) would not compile with -Werror.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)

# The core and the daemon are built without exceptions and RTTI; errors
# travel as lwb4::Result values.
add_library(lwb4_noexcept INTERFACE)
target_compile_options(lwb4_noexcept INTERFACE -fno-exceptions -fno-rtti)

if(CMAKE_BUILD_TYPE STREQUAL "MinSizeRel")
  add_compile_options(-ffunction-sections -fdata-sections)
  add_link_options(-Wl,--gc-sections)
endif()

if(LWB4_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(LWB4_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LWB4_FUZZ needs clang (libFuzzer)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# lwb4_report_size(target): after linking, print the stripped size.
function(lwb4_report_size target)
  if(NOT LWB4_SIZE_REPORT)
    return()
  endif()
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_STRIP} -o $<TARGET_FILE:${target}>.stripped $<TARGET_FILE:${target}>
    COMMAND ${CMAKE_COMMAND} -DFILE=$<TARGET_FILE:${target}>.stripped
            -DLABEL=${target} -DARCH=${CMAKE_SYSTEM_PROCESSOR}
            -P ${PROJECT_SOURCE_DIR}/cmake/PrintSize.cmake
    VERBATIM)
endfunction()
