package io.counterflow.jobs.cli;

import io.counterflow.jobs.check.BackendCheck;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** counterflow gpu-check: parity of a backend (CUDA by default) against the Java reference, PASS/FAIL per check. */
@Command(name = "gpu-check", mixinStandardHelpOptions = true,
        description = "Checks every kernel and 3 training steps of every objective on a backend (default cuda) "
                + "against the Java reference, with the unit tests' tolerances; prints PASS/FAIL and the largest "
                + "deviation per check, then 'N passed, M failed'. Exit code 0 only when all pass. For machines "
                + "with a GPU but no Maven (see README, GPU).")
public final class GpuCheckCommand implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "cuda", description = "Backend to check (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--quick", description = "Small shapes and three objectives only (seconds).")
    boolean quick;

    @Option(names = "--sync", description = "Synchronise after every CUDA launch, so that a failing kernel is named "
            + "(slow; sets counterflow.cuda.sync).")
    boolean sync;

    @Override
    public Integer call() {
        CliInputs.backend(backend);
        if (sync) {
            System.setProperty("counterflow.cuda.sync", "true");
        }
        System.out.println("gpu-check: backend " + backend + " against the java reference"
                + (quick ? " (quick)" : ""));
        List<BackendCheck.Result> results = BackendCheck.run(backend, !quick, r -> {
            System.out.println(r);
            System.out.flush();
        });
        long failed = results.stream().filter(r -> !r.passed).count();
        System.out.println(BackendCheck.summary(results));
        return failed == 0 ? 0 : 1;
    }
}
