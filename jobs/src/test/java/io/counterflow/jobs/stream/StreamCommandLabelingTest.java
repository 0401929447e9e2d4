package io.counterflow.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.feedback.Labeling;
import io.counterflow.operators.join.LabelJoinSettings;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --labeling} and {@code --labeling-elapsed} of {@code stream} feed the join's labeling settings. */
class StreamCommandLabelingTest {

    @Test
    void labelingFlagsFeedTheJoinSettings() {
        StreamCommand cmd = new StreamCommand();
        new CommandLine(cmd).parseArgs("--bootstrap-servers", "localhost:1", "--snapshot-path", "/tmp/x",
                "--labeling", "es-dfm", "--labeling-elapsed", "PT30M");
        LabelJoinSettings join = cmd.joinSettings();
        assertThat(join.labeling()).isEqualTo(Labeling.ES_DFM);
        assertThat(join.labelingElapsedMs()).isEqualTo(30 * 60_000L);
    }

    @Test
    void withoutTheFlagsTheSettingsDefaultsApply() {
        StreamCommand cmd = new StreamCommand();
        new CommandLine(cmd).parseArgs("--bootstrap-servers", "localhost:1", "--snapshot-path", "/tmp/x");
        LabelJoinSettings join = cmd.joinSettings();
        LabelJoinSettings defaults = LabelJoinSettings.defaults();
        assertThat(join.labeling()).isEqualTo(defaults.labeling());
        assertThat(join.labelingElapsedMs()).isEqualTo(defaults.labelingElapsedMs());
    }
}
