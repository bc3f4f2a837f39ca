# Per-target compile options, applied with scalelab_target_options(target).
add_library(scalelab_options INTERFACE)
target_compile_options(scalelab_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(SCALELAB_SANITIZE)
  target_compile_options(scalelab_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                    -fno-sanitize-recover=undefined)
  target_link_options(scalelab_options INTERFACE -fsanitize=address,undefined)
endif()

function(scalelab_target_options target)
  target_link_libraries(${target} PRIVATE scalelab_options)
endfunction()
# The fuzz preset: every target gets libFuzzer's coverage counters and the sanitizers; fuzz/CMakeLists.txt
# links its fuzzers with -fsanitize=fuzzer, which brings libFuzzer's main.
if(SCALELAB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SCALELAB_FUZZ needs clang (libFuzzer): configure with the fuzz preset")
  endif()
  target_compile_options(scalelab_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                    -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(scalelab_options INTERFACE -fsanitize=address,undefined)
endif()
