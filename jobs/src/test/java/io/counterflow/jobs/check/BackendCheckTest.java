package io.counterflow.jobs.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checker behind {@code counterflow gpu-check}, run here on OpenBLAS (quick mode): it must pass every check
 * of a backend known to be right, report each result as it goes, and turn a backend that cannot be created into
 * one failed result with the reason instead of an exception.
 */
class BackendCheckTest {

    @Test
    void openBlasPassesEveryQuickCheck() {
        List<BackendCheck.Result> seen = new ArrayList<>();
        List<BackendCheck.Result> results = BackendCheck.run("openblas", false, seen::add);
        assertThat(seen).isEqualTo(results);
        assertThat(results).hasSizeGreaterThan(100);
        assertThat(results).filteredOn(r -> !r.passed).as("failed checks").isEmpty();
        assertThat(results).extracting(r -> r.name).anyMatch(n -> n.startsWith("gemm TT"))
                .anyMatch(n -> n.startsWith("embedBackward")).anyMatch(n -> n.startsWith("train step dcmt/ple"))
                .anyMatch(n -> n.startsWith("train step escm2-dr/mmoe"));
        assertThat(BackendCheck.summary(results)).isEqualTo(results.size() + " passed, 0 failed");
    }

    @Test
    void anUnavailableBackendIsOneFailedCheckWithTheReason() {
        List<BackendCheck.Result> results = BackendCheck.run("no-such-backend", false, r -> { });
        assertThat(results).hasSize(1);
        assertThat(results.get(0).passed).isFalse();
        assertThat(results.get(0).detail).contains("unknown backend 'no-such-backend'");
        assertThat(results.get(0).toString()).startsWith("FAIL create backend no-such-backend");
    }
}
