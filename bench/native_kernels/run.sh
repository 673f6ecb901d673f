#!/bin/sh
# Builds kernels.cpp against native/src with the addon's flags (AVX-512 and AVX2 kernels in their own
# objects, picked at run time) and runs it:   sh bench/native_kernels/run.sh [SRC_DIR]
# SRC_DIR (default native/src) may be another checkout's native/src, to compare two versions.
#   BENCH=step sh bench/native_kernels/run.sh [SRC_DIR]   the training step's GEMMs, wall time, 1 and 2 threads
#   BENCH=wake sh bench/native_kernels/run.sh              the thread pool's hand-over latency
#   BENCH=predict sh bench/native_kernels/run.sh [SRC_DIR]   the seed MLP's predict forward pass (packed Dense layers)
#   BENCH=packed_check sh bench/native_kernels/run.sh        gemm_packed_b against gemm, bit for bit, over random shapes
#   BENCH=conv_chain sh bench/native_kernels/run.sh [SRC_DIR] the CNN's conv1 alone, after conv2 + pool read its output, and the three as one kernel
set -e
cd "$(dirname "$0")/../.."
SRC=${1:-native/src}
OUT=$(mktemp -d)
F="-O3 -std=gnu++17 -fno-math-errno -fno-trapping-math -Inative/include"
g++ $F -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma -mavx2 -c "$SRC/isa_avx512.cpp" -o "$OUT/avx512.o"
g++ $F -mavx2 -mfma -c "$SRC/isa_avx2.cpp" -o "$OUT/avx2.o"
for f in gemm conv recurrent_seq cpu threadpool isa_scalar isa_neon ops; do g++ $F -c "$SRC/$f.cpp" -o "$OUT/$f.o"; done
B=${BENCH:-kernels}
g++ $F -I"$SRC" bench/native_kernels/$B.cpp "$OUT"/*.o -lpthread -o "$OUT/kernels"
"$OUT/kernels"
rm -rf "$OUT"
