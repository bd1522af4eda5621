# Cross-compiles the helper for arm64 on an amd64 machine with Debian's
# aarch64-linux-gnu GCC (g++-aarch64-linux-gnu, the same GCC 12 as the arm64
# root's own), against the libraries and headers of an arm64 Debian root:
#
#   cmake -S . -B build-arm64 -G Ninja \
#     --toolchain test/support/arm64-toolchain.cmake -DCMAKE_SYSROOT=/path/to/arm64/root
#
# test/arm64_test.sh makes the root (test/support/arm64_root.sh) and runs
# what this builds inside it, under qemu.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

if(NOT CMAKE_SYSROOT)
  message(FATAL_ERROR "set CMAKE_SYSROOT to an arm64 Debian root")
endif()

# Programs from this machine; libraries, headers and packages from the root only.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config reads the root's .pc files, and prefixes what they name with it.
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CMAKE_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${CMAKE_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
