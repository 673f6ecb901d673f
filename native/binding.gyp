# keras-ts native backend. Built by scripts/install-native.mjs (node-gyp rebuild --directory=native);
# a failed build never fails `npm install`: the package then runs on the reference backend.
# No -march=native: the AVX2 and AVX-512 kernels are compiled into their own static libraries with
# their own flags and chosen at run time by cpuid (src/cpu.cpp).
# -fno-trapping-math: no kernel unmasks floating-point exceptions, and without it GCC keeps the
# selects of the math functions (exp, log, tanh, sigmoid, their gradients and the recurrent cells)
# from vectorizing for AVX2 (a comparison that may raise a flag is not if-converted without masked
# instructions). It allows no reassociation: the values are those of the scalar loops (AVX2's softmax
# over rows of 16 or more now rounds as AVX-512's does).
{
  "target_defaults": {
    "cflags": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden"],
    "cflags_cc": ["-std=gnu++17"],
    "conditions": [
      ["OS=='mac'", {
        "xcode_settings": {
          "GCC_OPTIMIZATION_LEVEL": "3",
          "CLANG_CXX_LANGUAGE_STANDARD": "gnu++17",
          "OTHER_CFLAGS": ["-fno-math-errno", "-fno-trapping-math"]
        }
      }]
    ]
  },
  "targets": [
    {
      "target_name": "kt_kernels_avx2",
      "type": "static_library",
      "sources": ["src/isa_avx2.cpp"],
      "conditions": [
        ["target_arch=='x64'", {
          "cflags": ["-mavx2", "-mfma"],
          "xcode_settings": {"OTHER_CFLAGS": ["-mavx2", "-mfma"]}
        }]
      ]
    },
    {
      "target_name": "kt_kernels_avx512",
      "type": "static_library",
      "sources": ["src/isa_avx512.cpp"],
      "conditions": [
        ["target_arch=='x64'", {
          "cflags": ["-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma", "-mavx2"],
          "xcode_settings": {"OTHER_CFLAGS": ["-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma", "-mavx2"]}
        }]
      ]
    },
    {
      "target_name": "keras_native",
      "dependencies": ["kt_kernels_avx2", "kt_kernels_avx512"],
      "sources": [
        "node/addon.c",
        "src/cpu.cpp",
        "src/dispatch.cpp",
        "src/gemm.cpp",
        "src/conv.cpp",
        "src/ops.cpp",
        "src/threadpool.cpp",
        "src/random.cpp",
        "src/array.cpp",
        "src/optimizer.cpp",
        "src/recurrent_seq.cpp",
        "src/attention.cpp",
        "src/isa_scalar.cpp",
        "src/isa_neon.cpp"
      ],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
