package io.counterflow.jobs.offline;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.settings.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CSV amount column not named in --numeric is read as categorical, one embedding row per distinct amount, which
 * the towers memorise (docs/weak-signal.md); inferring the feature space warns about it, but not about integer
 * codes (label-encoded ids are categorical on purpose) or once the column is numeric.
 */
class NumberLikeCategoricalWarningTest {
    @TempDir Path tmp;

    private String infer(Path csv, Set<String> numeric) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Backend be = Backends.create("java")) {
            new OfflineTrainer(new Settings(), be, 64, numeric, new PrintStream(log, true, StandardCharsets.UTF_8))
                    .inferSpace(csv);
        }
        return log.toString(StandardCharsets.UTF_8);
    }

    @Test
    void warnsAboutDistinctFractionalNumbersReadAsCategories() throws Exception {
        StringBuilder sb = new StringBuilder("history,user_code,channel,click,conversion\n");
        for (int i = 0; i < 2000; i++) {
            sb.append(String.format(Locale.ROOT, "%.2f,%d,%s,%d,0%n", 30 + i * 1.37, 1000 + i, i % 3 == 0 ? "Web"
                    : "Phone", i % 7 == 0 ? 1 : 0));
        }
        Path csv = tmp.resolve("s.csv");
        Files.writeString(csv, sb);
        String out = infer(csv, Set.of());
        assertThat(out).contains("categorical field 'history' has 2,000 distinct values")
                .contains("pass --numeric history").doesNotContain("'user_code'").doesNotContain("'channel'");
        assertThat(infer(csv, Set.of("history"))).doesNotContain("warning");
    }
}
