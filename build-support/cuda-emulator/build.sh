#!/usr/bin/env bash
# Builds the host emulator's stand-ins for libcuda.so.1, libcudart.so.13, libcublas.so.13, libcublasLt.so.13 and
# libnvrtc.so.13 into $1 (see emulator.cpp: NOT a GPU; for checking the Java side of the CUDA backend only).
# The JNI wrappers of org.bytedeco cuda bind cuBLAS, cudart and NVRTC symbols by version node, so each library
# defines the node its real counterpart does.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build.sh OUTPUT_DIR}"
kernels="$here/../../model-state/src/main/resources/io/counterflow/model/backend/cuda/kernels.cu"
mkdir -p "$out"
cxx=(g++ -std=c++17 -O1 -ffp-contract=off -fPIC -shared -Wall -Wno-unused-function -Wno-unknown-pragmas)
lib() {  # lib NAME DEFINE VERSION_NODE
  local map="$out/$1.map"
  if [[ -n "$3" ]]; then
    printf '%s { global: *; };\n' "$3" >"$map"
    "${cxx[@]}" -D"$2" -DKERNELS_CU="\"$kernels\"" -Wl,-soname,"$1" -Wl,--version-script="$map" \
      -o "$out/$1" "$here/emulator.cpp"
  else
    "${cxx[@]}" -D"$2" -DKERNELS_CU="\"$kernels\"" -Wl,-soname,"$1" -o "$out/$1" "$here/emulator.cpp"
  fi
}
lib libcuda.so.1 EMU_CUDA ""
lib libcublasLt.so.13 EMU_CUBLASLT libcublasLt.so.13
lib libcublas.so.13 EMU_CUBLAS libcublas.so.13
lib libnvrtc.so.13 EMU_NVRTC libnvrtc.so.13
lib libcudart.so.13 EMU_CUDART libcudart.so.13
