# keras-ts's optional MPI binding (keras.distribution.DataParallel across processes). Built by
# scripts/install-mpi.mjs only where `mpicc` is found; compile and link flags come from Open MPI's
# (or MPICH's) own wrapper, so no path is written here. A failed build never fails `npm install`.
{
  "targets": [
    {
      "target_name": "keras_mpi",
      "sources": ["mpi_addon.c"],
      "cflags": ["-O3", "-std=gnu11", "-fvisibility=hidden", "<!@(mpicc --showme:compile 2>/dev/null || mpicc -compile_info | cut -d' ' -f2-)"],
      "libraries": ["<!@(mpicc --showme:link 2>/dev/null || mpicc -link_info | cut -d' ' -f2-)", "-lpthread", "-ldl"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
