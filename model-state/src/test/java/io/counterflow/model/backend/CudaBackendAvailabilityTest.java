package io.counterflow.model.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code cuda} and {@code auto} where CUDA is missing (CI and the development machines: no driver, no GPU) and
 * where it is present: {@code cuda} either works or throws a {@link CudaException} saying why, and {@code auto}
 * picks CUDA when it works, else OpenBLAS on linux-x86_64. The probe is cached, so asking twice is free.
 */
class CudaBackendAvailabilityTest {

    @Test
    void cudaWorksOrSaysWhyAndAutoFallsBack() {
        Optional<String> why = Backends.cudaUnavailableReason();
        assertThat(Backends.cudaUnavailableReason()).as("cached").isEqualTo(why);
        if (why.isPresent()) {
            assertThat(why.get()).isNotBlank();
            assertThatThrownBy(() -> Backends.create("cuda")).isInstanceOf(CudaException.class)
                    .hasMessageStartingWith("backend cuda: CUDA unavailable: ").hasMessageContaining(why.get());
            assertThatThrownBy(() -> Backends.create("CUDA")).isInstanceOf(CudaException.class);
            try (Backend auto = Backends.create("auto")) {
                assertThat(auto.name()).isEqualTo(ParityFixture.linuxX86() ? "openblas" : auto.name());
            }
        } else {
            try (Backend cuda = Backends.create("cuda"); Backend auto = Backends.create("auto")) {
                assertThat(cuda.name()).isEqualTo("cuda");
                assertThat(auto.name()).isEqualTo("cuda");
            }
        }
    }

    @Test
    void unknownNamesListTheChoices() {
        assertThatThrownBy(() -> Backends.create("gpu")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auto, openblas, java, cuda");
    }
}
