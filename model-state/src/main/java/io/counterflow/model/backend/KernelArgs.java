package io.counterflow.model.backend;

import io.counterflow.model.backend.CudaKernels.Arg;
import io.counterflow.model.backend.CudaKernels.Kernel;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The argument block of a kernel launch, allocated once and refilled for every launch (no allocation per call):
 * {@code cuLaunchKernel}'s {@code kernelParams} is an array of pointers, one per parameter, each to the
 * parameter's value. Values live in 8-byte slots (a device pointer fills one; an int or a float sits in its low
 * four bytes, which is where a little-endian device reads it), and {@link #params()} points at the slots.
 * {@link #checkFor} compares what was put with the kernel's declared parameter list before the launch, so a
 * Java-side mistake fails with the kernel's name instead of corrupting memory on the device.
 *
 * <p>The array goes to {@code cuLaunchKernel} as a {@link PointerPointer}: the binding's overload that takes a
 * plain {@code Pointer} there is {@code @ByPtrPtr} and would pass the address of the array's address instead.
 * (The host emulator, {@code build-support/cuda-emulator}, caught exactly that.)
 *
 * <p>Uses JavaCPP's off-heap memory only (no CUDA library), so it is tested on any machine. Not thread-safe.
 */
final class KernelArgs implements AutoCloseable {
    private final int capacity;
    private final LongPointer slots;
    private final LongPointer params;
    private final PointerPointer<?> paramsView;
    private final Arg[] kinds;
    private int count;

    KernelArgs(int capacity) {
        this.capacity = capacity;
        this.slots = new LongPointer(capacity);
        this.params = new LongPointer(capacity);
        this.kinds = new Arg[capacity];
        long base = slots.address();
        for (int i = 0; i < capacity; i++) {
            params.put(i, base + 8L * i);
        }
        this.paramsView = new PointerPointer<>(params);
    }

    /** Starts a new argument list. */
    KernelArgs reset() {
        count = 0;
        return this;
    }

    private KernelArgs put(Arg kind, long bits) {
        if (count == capacity) {
            throw new IllegalStateException("kernel launch: more than " + capacity + " arguments");
        }
        kinds[count] = kind;
        slots.put(count, bits);
        count++;
        return this;
    }

    /** A device pointer (CUdeviceptr). */
    KernelArgs ptr(long devicePointer) {
        return put(Arg.PTR, devicePointer);
    }

    /** A 32-bit int. */
    KernelArgs i32(int v) {
        return put(Arg.INT, v & 0xffffffffL);
    }

    /** A float, bit for bit. */
    KernelArgs f32(float v) {
        return put(Arg.FLOAT, Float.floatToRawIntBits(v) & 0xffffffffL);
    }

    /** Throws unless the arguments put since {@link #reset} match kernel k's declared parameters. */
    void checkFor(Kernel k) {
        if (count != k.args.length) {
            throw new IllegalStateException("kernel " + k.symbol + " takes " + k.args.length + " arguments, got "
                    + count);
        }
        for (int i = 0; i < count; i++) {
            if (kinds[i] != k.args[i]) {
                throw new IllegalStateException("kernel " + k.symbol + ": argument " + i + " is " + kinds[i]
                        + ", declared " + k.args[i]);
            }
        }
    }

    /** The kernelParams array (void**): entry i points at slot i. */
    PointerPointer<?> params() {
        return paramsView;
    }

    /** The address of the kernelParams array (for tests). */
    long paramsAddress() {
        return params.address();
    }

    /** Entry i of the kernelParams array (for tests). */
    long param(int i) {
        return params.get(i);
    }

    /** The raw 8-byte slot i (for tests). */
    long slot(int i) {
        return slots.get(i);
    }

    /** The address of slot i (for tests). */
    long slotAddress(int i) {
        return slots.address() + 8L * i;
    }

    @Override
    public void close() {
        slots.close();
        params.close();
    }
}
