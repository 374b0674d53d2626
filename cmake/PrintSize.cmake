file(SIZE "${FILE}" bytes)
math(EXPR kib "(${bytes} + 512) / 1024")
message(STATUS "stripped size: ${LABEL} (${ARCH}) = ${bytes} bytes (${kib} KiB)")
