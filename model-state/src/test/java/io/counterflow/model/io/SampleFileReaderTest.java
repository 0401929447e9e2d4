package io.counterflow.model.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;

class SampleFileReaderTest {
    static final Set<String> ALI_CCP_NUMERIC =
            Set.of("D109_14", "D110_14", "D127_14", "D150_14", "D508", "D509", "D702", "D853");
    static final Set<String> ALIEXPRESS_NUMERIC =
            IntStream.rangeClosed(1, 63).mapToObj(i -> "numerical_" + i).collect(Collectors.toSet());

    @TempDir
    Path dir;

    static Path resource(String name) {
        try {
            return Path.of(SampleFileReaderTest.class.getResource("/data/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<LabeledSample> readAll(SampleFileReader r) throws IOException {
        List<LabeledSample> out = new ArrayList<>();
        r.forEachRemaining(out::add);
        return out;
    }

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void aliCcpLoadsWithLabelsFromClickAndPurchase() throws IOException {
        Path file = resource("ali-ccp-sample/ali_ccp_train_sample.csv");
        List<LabeledSample> all;
        try (SampleFileReader r = SampleFileReader.open(file, ALI_CCP_NUMERIC)) {
            all = readAll(r);
            assertThat(r.report().bad()).isZero();
            assertThat(r.report().valid()).isEqualTo(100);
            assertThat(r.numericColumns()).containsExactly(
                    "D109_14", "D110_14", "D127_14", "D150_14", "D508", "D509", "D702", "D853");
            assertThat(r.categoricalColumns()).hasSize(23).startsWith("101", "121", "122").endsWith("150_14");
        }
        assertThat(all).hasSize(100);
        assertThat(all.stream().filter(s -> s.click == 1).count()).isEqualTo(7);
        assertThat(all.stream().filter(s -> s.conversion == 1).count()).isEqualTo(1);
        LabeledSample third = all.get(2); // file line 4: "1,1,1,1,..."
        assertThat(third.click).isEqualTo(1);
        assertThat(third.conversion).isEqualTo(1);
        assertThat(third.id).isEqualTo("ali_ccp_train_sample.csv:4");
        assertThat(third.ts).isEqualTo(4);
        assertThat(third.features.catNames).hasSize(23);
        assertThat(third.features.numNames).hasSize(8);
        assertThat(third.features.numValues).containsExactly(0.4734, 0.562, 0.0856, 0.1902, 0.5605, 0.256, 0.4626, 0.344);
        assertThat(third.features.catValues[0]).isEqualTo("1");
        // the last line has no trailing newline and is still read
        assertThat(all.get(99).id).isEqualTo("ali_ccp_train_sample.csv:101");
    }

    @Test
    void aliCcpWithoutNumericColumnsReadsEverythingAsCategorical() throws IOException {
        try (SampleFileReader r = SampleFileReader.open(resource("ali-ccp-sample/ali_ccp_val_sample.csv"), Set.of())) {
            List<LabeledSample> all = readAll(r);
            assertThat(all).hasSize(50);
            assertThat(all.get(0).features.catNames).hasSize(31).contains("D508");
            assertThat(all.get(0).features.numNames).isEmpty();
        }
    }

    @Test
    void aliExpressLoadsCategoricalAndNumericColumnsAndLabels() throws IOException {
        for (String name : List.of("train.csv", "test.csv")) {
            try (SampleFileReader r = SampleFileReader.open(resource("aliexpress-sample/" + name), ALIEXPRESS_NUMERIC)) {
                List<LabeledSample> all = readAll(r);
                assertThat(r.report().bad()).isZero();
                assertThat(all).hasSize(100);
                LabeledSample s = all.get(0);
                assertThat(s.features.catNames).hasSize(17).startsWith("search_id", "categorical_1")
                        .endsWith("categorical_16");
                assertThat(s.features.numNames).hasSize(63).startsWith("numerical_1").endsWith("numerical_63");
                assertThat(all).allSatisfy(x -> assertThat(x.conversion <= x.click).isTrue());
                assertThat(all.stream().mapToInt(x -> x.click).sum()).isPositive();
                assertThat(all.stream().mapToInt(x -> x.conversion).sum()).isPositive();
            }
        }
        try (SampleFileReader r = SampleFileReader.open(resource("aliexpress-sample/train.csv"), ALIEXPRESS_NUMERIC)) {
            LabeledSample first = r.next();
            assertThat(first.features.catValues[0]).isEqualTo("363");
            assertThat(first.features.numValues[0]).isEqualTo(1.0);
            assertThat(first.features.numValues[1]).isEqualTo(0.083333);
        }
    }

    @Test
    void conversionWithoutClickIsReportedAndReadingGoesOn() throws IOException {
        Path file = write("violating.csv", "click,purchase,f,D\n1,1,a,0.5\n0,1,b,0.1\n0,0,c,0.2\n");
        List<DeadLetter> dead = new ArrayList<>();
        BadInputReport report = new BadInputReport(dead::add);
        try (SampleFileReader r = SampleFileReader.open(file, Set.of("D"), report)) {
            List<LabeledSample> all = readAll(r);
            assertThat(all).extracting(s -> s.features.catValues[0]).containsExactly("a", "c");
        }
        assertThat(report.count(BadInputReason.CONVERSION_WITHOUT_CLICK)).isEqualTo(1);
        assertThat(report.firstLines(BadInputReason.CONVERSION_WITHOUT_CLICK)).containsExactly(3);
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.source).isEqualTo("violating.csv");
            assertThat(d.offset).isEqualTo(3);
            assertThat(d.reason).isEqualTo(BadInputReason.CONVERSION_WITHOUT_CLICK);
            assertThat(new String(d.original, StandardCharsets.UTF_8)).isEqualTo("0,1,b,0.1");
        });
    }

    @Test
    void aFileWithNoPositivesReadsFine() throws IOException {
        // the first two data rows of the real Ali-CCP training sample: no click, no purchase
        List<String> lines = Files.readAllLines(resource("ali-ccp-sample/ali_ccp_train_sample.csv"));
        Path file = write("negatives.csv", String.join("\n", lines.subList(0, 3)) + "\n");
        try (SampleFileReader r = SampleFileReader.open(file, ALI_CCP_NUMERIC)) {
            List<LabeledSample> all = readAll(r);
            assertThat(all).hasSize(2).allSatisfy(s -> {
                assertThat(s.click).isZero();
                assertThat(s.conversion).isZero();
            });
            assertThat(r.report().bad()).isZero();
        }
    }

    @Test
    void csvBadRowsGetTheirReasonsAndLineNumbers() throws IOException {
        String csv = String.join("\n",
                "id,ts,click,conversion,cat,num",
                "a,10,1,0,x,1.5",            // 2 ok
                "b,11,1.0,0.0,x,2",          // 3 ok: integral labels written as floats
                "c,12,2,0,x,1",              // 4 label
                "d,13,0.5,0,x,1",            // 5 label
                ",14,1,0,x,1",               // 6 id
                "f,,1,0,x,1",                // 7 ts
                "g,1.5,1,0,x,1",             // 8 ts
                "h,15,1,0,x,NaN",            // 9 non-finite
                "i,16,1,0,x,abc",            // 10 features
                "j,17,1,0,x",                // 11 column count
                "k,18,1,0,\"unterminated,1", // 12 quoting
                "l,19,1,0,\"q,\"\"x\"\"\",",  // 13 ok: quoted categorical, empty numeric skipped
                "m,20,,0,x,1",               // 14 label empty
                "" + "x".repeat(257) + ",21,1,0,x,1", // 15 id too long
                "n,1.7E12,0,0,,3");          // 16 ok
        Path file = write("mixed.csv", csv);
        BadInputReport report = new BadInputReport();
        List<LabeledSample> all;
        try (SampleFileReader r = SampleFileReader.open(file, Set.of("num"), report)) {
            all = readAll(r);
        }
        assertThat(all).extracting(s -> s.id).containsExactly("a", "b", "l", "n");
        assertThat(all.get(1).click).isEqualTo(1);
        LabeledSample l = all.get(2);
        assertThat(l.features.catValues).containsExactly("q,\"x\"");
        assertThat(l.features.numNames).isEmpty();
        assertThat(all.get(3).ts).isEqualTo(1_700_000_000_000L);
        assertThat(all.get(3).features.catValues).containsExactly("");
        assertThat(report.valid()).isEqualTo(4);
        assertThat(report.bad()).isEqualTo(11);
        assertThat(report.firstLines(BadInputReason.LABEL_OUT_OF_RANGE)).containsExactly(4, 5, 14);
        assertThat(report.firstLines(BadInputReason.MISSING_ID)).containsExactly(6);
        assertThat(report.firstLines(BadInputReason.MISSING_TS)).containsExactly(7, 8);
        assertThat(report.firstLines(BadInputReason.NON_FINITE_NUMBER)).containsExactly(9);
        assertThat(report.firstLines(BadInputReason.INVALID_FEATURES)).containsExactly(10);
        assertThat(report.firstLines(BadInputReason.INVALID_JSON)).containsExactly(11, 12);
        assertThat(report.firstLines(BadInputReason.ID_TOO_LONG)).containsExactly(15);
        assertThat(report.summary()).isEqualTo("11 bad lines skipped: INVALID_JSON=2 (lines 11, 12), "
                + "MISSING_ID=1 (lines 6), ID_TOO_LONG=1 (lines 15), MISSING_TS=2 (lines 7, 8), "
                + "LABEL_OUT_OF_RANGE=3 (lines 4, 5, 14), NON_FINITE_NUMBER=1 (lines 9), INVALID_FEATURES=1 (lines 10)");
    }

    @Test
    void csvHeaderProblemsFailAtOpenWithClearMessages() throws IOException {
        assertThatThrownBy(() -> SampleFileReader.open(write("a.csv", "click,f\n1,x\n"), Set.of()))
                .isInstanceOf(MalformedFileException.class).hasMessageContaining("a.csv")
                .hasMessageContaining("conversion");
        assertThatThrownBy(() -> SampleFileReader.open(write("b.csv", "conversion,purchase,click\n"), Set.of()))
                .isInstanceOf(MalformedFileException.class).hasMessageContaining("both");
        assertThatThrownBy(() -> SampleFileReader.open(write("c.csv", ""), Set.of()))
                .isInstanceOf(MalformedFileException.class).hasMessageContaining("header");
        assertThatThrownBy(() -> SampleFileReader.open(write("d.csv", "click,conversion,f\n"), Set.of("g")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'g'");
        assertThatThrownBy(() -> SampleFileReader.open(write("e.txt", "x"), Set.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(".jsonl or .csv");
    }

    @Test
    void jsonlSamplesSkipBadLinesAndBlankLinesAndReadGzip() throws IOException {
        EventCodec codec = new EventCodec();
        String good = codec.toJson(new LabeledSample("s1", 5, 1, 0, new io.counterflow.model.data.Features(), null));
        String content = good + "\r\n\n{broken\n"
                + "{\"id\":\"s2\",\"ts\":6,\"click\":3,\"conversion\":0,\"features\":{}}\n   \n" + good.replace("s1", "s3");
        Path gz = dir.resolve("samples.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        try (SampleFileReader r = SampleFileReader.open(gz, Set.of())) {
            assertThat(readAll(r)).extracting(s -> s.id).containsExactly("s1", "s3");
            assertThat(r.report().summary())
                    .isEqualTo("2 bad lines skipped: INVALID_JSON=1 (lines 3), LABEL_OUT_OF_RANGE=1 (lines 4)");
            assertThat(r.lineNumber()).isEqualTo(6);
        }
    }

    @Test
    void gzipThatIsNotOrIsTruncatedIsAMalformedFileNamingIt() throws IOException {
        Path fake = write("fake.jsonl.gz", "plain text");
        assertThatThrownBy(() -> SampleFileReader.open(fake, Set.of())).isInstanceOf(MalformedFileException.class)
                .hasMessage(fake + ": not a valid gzip file (Not in GZIP format)");
        Path truncated = dir.resolve("truncated.jsonl.gz");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write("{\"id\":\"s\"}\n".repeat(10_000).getBytes(StandardCharsets.UTF_8));
        }
        Files.write(truncated, Arrays.copyOf(bytes.toByteArray(), bytes.size() / 2));
        try (SampleFileReader r = SampleFileReader.open(truncated, Set.of())) {
            assertThatThrownBy(() -> readAll(r)).isInstanceOf(MalformedFileException.class)
                    .hasMessageStartingWith(truncated + ": not a valid gzip file (");
        }
    }

    @Test
    void reportKeepsOnlyTheFirstFiveLinesPerReason() throws IOException {
        String content = IntStream.rangeClosed(1, 8).mapToObj(i -> "nope").collect(Collectors.joining("\n"));
        try (SampleFileReader r = SampleFileReader.open(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)),
                "stdin", SampleFileReader.Format.JSONL, Set.of(), new BadInputReport())) {
            assertThat(r.next()).isNull();
            assertThat(r.report().count(BadInputReason.INVALID_JSON)).isEqualTo(8);
            assertThat(r.report().firstLines(BadInputReason.INVALID_JSON)).containsExactly(1, 2, 3, 4, 5);
            assertThat(r.report().summary()).isEqualTo("8 bad lines skipped: INVALID_JSON=8 (lines 1, 2, 3, 4, 5, ...)");
        }
    }

    @Test
    void eventFilesReadWithTheSameReport() throws IOException {
        Path imps = write("impressions.jsonl",
                "{\"id\":\"imp-1\",\"ts\":1,\"features\":{\"u\":\"1\"}}\n{\"id\":\"imp-2\",\"ts\":2}\n");
        Path clicks = write("clicks.jsonl", "{\"impression_id\":\"imp-1\",\"ts\":3}\n{\"impression_id\":\"imp-1\"}\n");
        BadInputReport report = new BadInputReport();
        List<Impression> i = new ArrayList<>();
        List<Click> c = new ArrayList<>();
        try (EventFileReader<Impression> r = EventFileReader.impressions(imps, report)) {
            r.forEachRemaining(i::add);
        }
        try (EventFileReader<Click> r = EventFileReader.clicks(clicks, report)) {
            r.forEachRemaining(c::add);
        }
        assertThat(i).extracting(x -> x.id).containsExactly("imp-1");
        assertThat(c).containsExactly(new Click("imp-1", 3));
        assertThat(report.valid()).isEqualTo(2);
        assertThat(report.summary())
                .isEqualTo("2 bad lines skipped: MISSING_TS=1 (lines 2), INVALID_FEATURES=1 (lines 2)");
        try (EventFileReader<io.counterflow.model.data.Conversion> r = EventFileReader.conversions(
                new ByteArrayInputStream("{\"impression_id\":\"imp-1\",\"ts\":9}".getBytes(StandardCharsets.UTF_8)),
                "conv", report)) {
            assertThat(r.next()).isEqualTo(new io.counterflow.model.data.Conversion("imp-1", 9));
            assertThat(r.next()).isNull();
        }
    }
}
