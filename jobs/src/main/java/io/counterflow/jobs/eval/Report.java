package io.counterflow.jobs.eval;

import io.counterflow.model.metrics.EvaluationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The comparison's table (mean ± sd over seeds), its TSVs and two SVG line charts, written to a directory. */
final class Report {
    /** The metrics of the table, by column name. */
    static final String[] COLUMNS = {"ctr_auc", "ctr_nll", "cvr_auc", "cvr_nll", "cvr_calibration", "ctcvr_auc",
        "ctcvr_nll", "es_bias"};

    private final Map<String, List<double[]>> byPolicy = new LinkedHashMap<>();
    private final Map<String, List<double[]>> cvrNllByDay = new LinkedHashMap<>();
    private final Map<String, List<double[]>> calibrationByDay = new LinkedHashMap<>();
    private final StringBuilder runs = new StringBuilder("policy\tseed\t" + String.join("\t", COLUMNS)
            + "\trows\twarmup_rows\tmean_weight\tseconds\n");

    static double[] metrics(EvaluationResult r) {
        double esBias = r.cvrEntireSpace == null ? Double.NaN : r.cvrEntireSpace.bias;
        return new double[] {r.ctr.auc(), r.ctr.logLoss(), r.cvrClickSpace.auc(), r.cvrClickSpace.logLoss(),
            r.cvrClickSpace.meanPrediction() / r.cvrClickSpace.meanLabel(), r.ctcvr.auc(), r.ctcvr.logLoss(), esBias};
    }

    void add(String policy, long seed, PolicyRun run) {
        double[] m = metrics(run.pooled);
        byPolicy.computeIfAbsent(policy, k -> new ArrayList<>()).add(m);
        runs.append(policy).append('\t').append(seed);
        for (double v : m) {
            runs.append('\t').append(fmt(v));
        }
        runs.append('\t').append(run.rows).append('\t').append(run.warmupRows).append('\t')
                .append(fmt(run.meanWeight)).append('\t').append(String.format(Locale.ROOT, "%.1f", run.seconds))
                .append('\n');
        double[] nll = new double[run.daily.size()];
        double[] cal = new double[run.daily.size()];
        for (int d = 0; d < nll.length; d++) {
            double[] dm = metrics(run.daily.get(d));
            nll[d] = dm[3];
            cal[d] = dm[4];
        }
        cvrNllByDay.computeIfAbsent(policy, k -> new ArrayList<>()).add(nll);
        calibrationByDay.computeIfAbsent(policy, k -> new ArrayList<>()).add(cal);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.5f", v);
    }

    private static double mean(List<double[]> l, int k) {
        double s = 0;
        for (double[] m : l) {
            s += m[k];
        }
        return s / l.size();
    }

    private static double sd(List<double[]> l, int k) {
        if (l.size() < 2) {
            return 0;
        }
        double m = mean(l, k);
        double s = 0;
        for (double[] x : l) {
            s += (x[k] - m) * (x[k] - m);
        }
        return Math.sqrt(s / (l.size() - 1));
    }

    /** The Markdown table, plus the share of the wait→oracle NLL gap each policy closes (when both ran). */
    String table() {
        StringBuilder sb = new StringBuilder("| policy | " + String.join(" | ", COLUMNS)
                + " | cvr gap closed | ctcvr gap closed |\n|---|");
        for (int i = 0; i < COLUMNS.length + 2; i++) {
            sb.append("---|");
        }
        sb.append('\n');
        List<double[]> wait = byPolicy.get("wait");
        List<double[]> oracle = byPolicy.get("oracle");
        for (Map.Entry<String, List<double[]>> e : byPolicy.entrySet()) {
            sb.append("| ").append(e.getKey());
            for (int k = 0; k < COLUMNS.length; k++) {
                sb.append(String.format(Locale.ROOT, " | %.4f ± %.4f", mean(e.getValue(), k), sd(e.getValue(), k)));
            }
            for (int k : new int[] {3, 6}) {
                if (wait != null && oracle != null) {
                    double gap = mean(wait, k) - mean(oracle, k);
                    sb.append(String.format(Locale.ROOT, " | %.0f%%", 100 * (mean(wait, k) - mean(e.getValue(), k)) / gap));
                } else {
                    sb.append(" | ");
                }
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }

    void write(Path dir, String header, PrintStream out) throws IOException {
        Files.createDirectories(dir);
        String table = table();
        Files.writeString(dir.resolve("table.md"), header + "\n\n" + table, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("runs.tsv"), runs, StandardCharsets.UTF_8);
        StringBuilder series = new StringBuilder("policy\tseed\tday\tcvr_nll\tcvr_calibration\n");
        for (String p : cvrNllByDay.keySet()) {
            List<double[]> n = cvrNllByDay.get(p);
            List<double[]> c = calibrationByDay.get(p);
            for (int s = 0; s < n.size(); s++) {
                for (int d = 0; d < n.get(s).length; d++) {
                    series.append(p).append('\t').append(s).append('\t').append(d).append('\t')
                            .append(fmt(n.get(s)[d])).append('\t').append(fmt(c.get(s)[d])).append('\n');
                }
            }
        }
        Files.writeString(dir.resolve("series.tsv"), series, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("cvr-nll.svg"), Svg.lines("click-space CVR NLL per day (mean over seeds)",
                meanSeries(cvrNllByDay)), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("cvr-calibration.svg"), Svg.lines(
                "click-space CVR calibration (mean pCVR / mean label) per day", meanSeries(calibrationByDay)),
                StandardCharsets.UTF_8);
        out.println(table);
        out.println("report: " + dir.toAbsolutePath());
    }

    private static Map<String, double[]> meanSeries(Map<String, List<double[]>> m) {
        Map<String, double[]> r = new LinkedHashMap<>();
        for (Map.Entry<String, List<double[]>> e : m.entrySet()) {
            int len = Integer.MAX_VALUE;
            for (double[] s : e.getValue()) {
                len = Math.min(len, s.length);
            }
            double[] avg = new double[len];
            for (double[] s : e.getValue()) {
                for (int d = 0; d < len; d++) {
                    avg[d] += s[d] / e.getValue().size();
                }
            }
            r.put(e.getKey(), avg);
        }
        return r;
    }
}
