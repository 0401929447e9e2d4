package io.counterflow.jobs.cli;

import java.util.LinkedHashSet;
import java.util.Set;

/** Parses --numeric a,b,c. */
final class NumericColumns {
    private NumericColumns() {}

    static Set<String> parse(String s) {
        Set<String> out = new LinkedHashSet<>();
        if (s != null) {
            for (String p : s.split(",")) {
                if (!p.isBlank()) {
                    out.add(p.trim());
                }
            }
        }
        return out;
    }
}
