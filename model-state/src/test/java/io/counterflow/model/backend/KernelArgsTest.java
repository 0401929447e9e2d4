package io.counterflow.model.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.backend.CudaKernels.Kernel;
import org.junit.jupiter.api.Test;

/** The launch argument block: values in their slots as the device reads them, and declared kinds enforced. */
class KernelArgsTest {

    @Test
    void valuesSitInEightByteSlotsThatTheParamsArrayPointsAt() {
        try (KernelArgs a = new KernelArgs(CudaKernels.maxArgs())) {
            a.reset().ptr(0x7f00_1234_5678L).ptr(0x10L).i32(-3).i32(1024).f32(-1.5f);
            a.checkFor(Kernel.SUM_ROWS_FINISH);
            assertThat(a.slot(0)).isEqualTo(0x7f00_1234_5678L);
            // An int or a float occupies the low four bytes (little-endian: where the device reads it).
            assertThat((int) a.slot(2)).isEqualTo(-3);
            assertThat(a.slot(2) >>> 32).isZero();
            assertThat((int) a.slot(3)).isEqualTo(1024);
            assertThat(Float.intBitsToFloat((int) a.slot(4))).isEqualTo(-1.5f);
            for (int i = 0; i < CudaKernels.maxArgs(); i++) {
                assertThat(a.param(i)).as("params[%d]", i).isEqualTo(a.slotAddress(i));
            }
            // cuLaunchKernel receives the array itself (void**), not a pointer to its address.
            assertThat(a.params().address()).isEqualTo(a.paramsAddress());
            // Reused: a new list overwrites from slot 0.
            a.reset().ptr(1L).i32(7);
            a.checkFor(Kernel.RELU);
            assertThat(a.slot(0)).isEqualTo(1L);
            assertThat((int) a.slot(1)).isEqualTo(7);
        }
    }

    @Test
    void argumentsThatDoNotMatchTheDeclarationAreRefusedWithTheKernelsName() {
        try (KernelArgs a = new KernelArgs(4)) {
            a.reset().ptr(1L);
            assertThatThrownBy(() -> a.checkFor(Kernel.RELU)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("kernel cf_relu takes 2 arguments, got 1");
            a.reset().ptr(1L).f32(2f);
            assertThatThrownBy(() -> a.checkFor(Kernel.RELU)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("kernel cf_relu: argument 1 is FLOAT, declared INT");
            a.reset().i32(1).i32(2).i32(3).i32(4);
            assertThatThrownBy(() -> a.i32(5)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("more than 4 arguments");
        }
    }
}
