package io.counterflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.jobs.stream.StreamCommand;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** docs/configuration.md is what the declarations say: regenerate it when a setting changes. */
class ConfigurationDocsTest {
    private static final Path PAGE = Paths.get("..", "docs", "configuration.md");

    @Test
    void theCommittedPageMatchesTheDeclarations() throws Exception {
        String generated = ConfigurationDocs.markdown();
        if (Boolean.getBoolean("counterflow.docs.write")) {
            Files.writeString(PAGE, generated, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(PAGE, StandardCharsets.UTF_8))
                .as("docs/configuration.md is stale: regenerate it with mvn -B -o -pl jobs -am test"
                        + " -Dtest=ConfigurationDocsTest -Dsurefire.failIfNoSpecifiedTests=false"
                        + " -Dcounterflow.docs.write=true")
                .isEqualTo(generated);
    }

    @Test
    void everyStreamFlagsKeyIsOnThePage() {
        String page = ConfigurationDocs.markdown();
        for (SettingFlags.Flag f : StreamCommand.FLAGS.flags()) {
            assertThat(page).contains("| `" + f.key() + "` |");
        }
    }
}
