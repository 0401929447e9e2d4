package io.counterflow.operators.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.LabeledSample;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;

/** {@link SampleAudit}: the invariants every labeling policy's rows satisfy, and what breaks them. */
class SampleAuditTest {
    private static LabeledSample row(String id, int click, int conversion, Emission e) {
        LabeledSample s = new LabeledSample(id, 0L, click, conversion, null, null);
        s.emission = e;
        return s;
    }

    /** Three impressions: a unclicked, b clicked unconverted, c clicked and converted late. */
    private static SampleAudit expected() {
        SampleAudit a = new SampleAudit();
        a.add(row("a", 0, 0, Emission.FINAL));
        a.add(row("b", 1, 0, Emission.FINAL));
        a.add(row("c", 1, 1, Emission.FINAL));
        return a;
    }

    @Test
    void everyPolicysRowsOfTheSameImpressionsGiveTheSameAccount() {
        SampleAudit esDfm = new SampleAudit(); // c's first row before its conversion, then a correction
        esDfm.add(row("a", 0, 0, Emission.FINAL));
        esDfm.add(row("c", 1, 0, Emission.FIRST));
        esDfm.add(row("b", 1, 0, Emission.FIRST));
        esDfm.add(row("c", 1, 1, Emission.CORRECTION));
        SampleAudit defer = new SampleAudit(); // es-dfm plus final copies
        defer.add(row("c", 1, 0, Emission.FIRST));
        defer.add(row("a", 0, 0, Emission.FINAL));
        defer.add(row("b", 1, 0, Emission.FIRST));
        defer.add(row("c", 1, 1, Emission.CORRECTION));
        defer.add(row("b", 1, 0, Emission.FINAL_COPY));
        defer.add(row("c", 1, 1, Emission.FINAL_COPY));
        SampleAudit early = new SampleAudit(); // c converted before its first row
        early.add(row("b", 1, 0, Emission.FIRST));
        early.add(row("c", 1, 1, Emission.FIRST));
        early.add(row("a", 0, 0, Emission.FINAL));
        Object want = strip(expected());
        assertThat(strip(esDfm)).isEqualTo(want);
        assertThat(strip(defer)).isEqualTo(want);
        assertThat(strip(early)).isEqualTo(want);
        assertThat(expected().impressions()).isEqualTo(3);
        assertThat(expected().clicks()).isEqualTo(2);
        assertThat(expected().conversions()).isEqualTo(1);
    }

    /** The account without the row count (which differs by policy). */
    private static Object strip(SampleAudit a) {
        var m = new java.util.LinkedHashMap<>(a.toInfo());
        m.remove("rows");
        return m;
    }

    @Test
    void aLostADuplicatedOrAWrongRowChangesTheAccount() {
        SampleAudit lost = new SampleAudit();
        lost.add(row("a", 0, 0, Emission.FINAL));
        lost.add(row("b", 1, 0, Emission.FINAL));
        SampleAudit duplicated = expected();
        duplicated.add(row("b", 1, 0, Emission.FINAL));
        SampleAudit swapped = new SampleAudit(); // b's conversion credited to c and vice versa: checksums differ
        swapped.add(row("a", 0, 0, Emission.FINAL));
        swapped.add(row("b", 1, 1, Emission.FINAL));
        swapped.add(row("c", 1, 0, Emission.FINAL));
        Object want = strip(expected());
        assertThat(strip(lost)).isNotEqualTo(want);
        assertThat(strip(duplicated)).isNotEqualTo(want);
        assertThat(strip(swapped)).isNotEqualTo(want);
        assertThat(swapped.conversions()).isEqualTo(expected().conversions());
        assertThat(swapped.conversionChecksum()).isNotEqualTo(expected().conversionChecksum());
    }

    @Test
    void theHashIsStableAndTheFormRoundTripsWithAVersion() throws Exception {
        // Part of the published contract: these values must never change.
        // (an independent Python computation of FNV-1a-64 + SplitMix64 gave these)
        assertThat(SampleAudit.hex(SampleAudit.hash(""))).isEqualTo("f52a15e9a9b5e89b");
        assertThat(SampleAudit.hex(SampleAudit.hash("imp-1"))).isEqualTo("580db1128976a5bd");
        assertThat(SampleAudit.hash("imp-1")).isNotEqualTo(SampleAudit.hash("imp-2"));
        assertThat(SampleAudit.hex(SampleAudit.hash("imp-1"))).hasSize(16);
        SampleAudit a = expected();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        a.write(new DataOutputStream(bytes));
        SampleAudit b = new SampleAudit();
        b.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(b.toInfo()).isEqualTo(a.toInfo());
        byte[] v7 = bytes.toByteArray();
        v7[3] = 7;
        assertThatThrownBy(() -> new SampleAudit().read(new DataInputStream(new ByteArrayInputStream(v7))))
                .hasMessageContaining("unknown sample audit version 7");
    }
}
