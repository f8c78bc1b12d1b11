# The native compute kernels: a Node-API addon in C over OpenBLAS (built by scripts/build-native.js).
#
# Flags: plain -O3, no -march=native / -mavx2. The addon may be built on one machine and run on
# another of the same kind, and the heavy work (sgemm) is OpenBLAS's, which picks its kernels at
# run time (OPENBLAS_CORETYPE overrides that). The C loops here are elementwise passes bound by
# memory bandwidth, where wider vector instructions would gain little.
{
  "targets": [
    {
      "target_name": "apertus_native",
      "sources": [
        "native/addon.c",
        "native/args.c",
        "native/gemm.c",
        "native/elementwise.c",
        "native/embedding.c",
        "native/reduce.c",
        "native/optim.c",
        "native/attention.c",
        "native/cross-entropy.c"
      ],
      "defines": ["NAPI_VERSION=8"],
      "include_dirs": ["/usr/include/openblas"],
      "cflags": ["-O3", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_c": ["-std=c11"],
      "libraries": ["-lopenblas", "-lm"]
    }
  ]
}
