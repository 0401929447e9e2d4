/**
 * Compute backends. A training step is a fixed sequence of kernel calls on {@link
 * io.counterflow.model.backend.Tensor}s that the backend allocated: tensors may live on the Java heap, off
 * heap or on a device, and the model never touches their memory directly. {@link
 * io.counterflow.model.backend.Backend} is the interface, {@code AbstractBackend} validates shapes once for
 * every implementation, and the implementations supply the protected kernels (the netlib
 * {@code sgemm → sgemmK} pattern): {@code JavaBackend} (the pure-Java reference: simple loops, bit-for-bit
 * deterministic), {@code OpenBlasBackend} (off-heap tensors, cblas_sgemm from org.bytedeco openblas) and
 * {@code CudaBackend} (device tensors, cuBLAS GEMMs, the other kernels in CUDA C compiled at start-up by NVRTC
 * from {@code cuda/kernels.cu}; the objective is evaluated on the host). The CUDA parts that need no GPU —
 * kernel declarations, launch geometry, target choice, status names, the host-built occurrence lists of the
 * embedding backward — live in {@code CudaKernels}, {@code KernelArgs}, {@code CudaStatus} and {@code
 * OccurrenceIndex} so that they are tested everywhere. {@link io.counterflow.model.backend.BackendCheck} runs
 * parity checks of any backend against the reference outside JUnit (for machines without Maven).
 */
package io.counterflow.model.backend;
