/**
 * Compute backends. A training step is a fixed sequence of kernel calls on {@link
 * io.counterflow.model.backend.Tensor}s that the backend allocated: tensors may live on the Java heap, off
 * heap or on a device, and the model never touches their memory directly. {@link
 * io.counterflow.model.backend.Backend} is the interface, {@code AbstractBackend} validates shapes once for
 * every implementation, and the implementations supply the protected kernels (the netlib
 * {@code sgemm → sgemmK} pattern): {@code JavaBackend} (the pure-Java reference: simple loops, bit-for-bit
 * deterministic), {@code OpenBlasBackend} (off-heap tensors, cblas_sgemm from org.bytedeco openblas).
 */
package io.counterflow.model.backend;
