# The native compute kernels: a Node-API addon in C over OpenBLAS (built by scripts/build-native.js).
#
# Flags: -O3 with -fno-math-errno / -fno-trapping-math so loops with sqrt, exp and comparisons
# vectorise; no -march: the hot loops carry target_clones (native/parallel.h) for AVX-512,
# AVX2+FMA and baseline x86-64, picked at load time, so the addon built on one machine runs on any
# x86-64 one. sgemm is OpenBLAS's, which picks its kernels at run time (OPENBLAS_CORETYPE).
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
        "native/cross-entropy.c",
        "native/parallel.c",
        "native/rmsnorm.c",
        "native/rope.c",
        "native/xielu.c"
      ],
      "defines": ["NAPI_VERSION=8"],
      "include_dirs": ["/usr/include/openblas"],
      "cflags": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_c": ["-std=c11"],
      "libraries": ["-lopenblas", "-lm", "-lpthread"]
    }
  ]
}
