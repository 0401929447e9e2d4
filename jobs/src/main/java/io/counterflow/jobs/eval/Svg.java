package io.counterflow.jobs.eval;

import java.util.Locale;
import java.util.Map;

/** A minimal SVG line chart: one polyline per series over a shared x axis (days). */
final class Svg {
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

    private Svg() {}

    static String lines(String title, Map<String, double[]> series) {
        int w = 720;
        int h = 360;
        int left = 60;
        int right = 140;
        int top = 30;
        int bottom = 40;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int len = 0;
        for (double[] s : series.values()) {
            len = Math.max(len, s.length);
            for (double v : s) {
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (!(max > min)) {
            max = min + 1;
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
                + "font-family='sans-serif' font-size='12'>%n", w, h));
        sb.append(String.format(Locale.ROOT, "<text x='%d' y='18'>%s</text>%n", left, title));
        sb.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#999'/>%n",
                left, top, w - left - right, h - top - bottom));
        for (int t = 0; t <= 4; t++) {
            double v = min + (max - min) * t / 4;
            double y = top + (h - top - bottom) * (1 - (double) t / 4);
            sb.append(String.format(Locale.ROOT, "<text x='4' y='%.1f'>%.4f</text>%n", y + 4, v));
        }
        sb.append(String.format(Locale.ROOT, "<text x='%d' y='%d'>day</text>%n", (w - right) / 2, h - 8));
        int c = 0;
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            StringBuilder pts = new StringBuilder();
            double[] s = e.getValue();
            for (int d = 0; d < s.length; d++) {
                if (!Double.isFinite(s[d])) {
                    continue;
                }
                double x = left + (w - left - right) * (len <= 1 ? 0 : (double) d / (len - 1));
                double y = top + (h - top - bottom) * (1 - (s[d] - min) / (max - min));
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            String colour = COLOURS[c % COLOURS.length];
            sb.append(String.format(Locale.ROOT, "<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>%n",
                    colour, pts.toString().trim()));
            sb.append(String.format(Locale.ROOT, "<text x='%d' y='%d' fill='%s'>%s</text>%n", w - right + 10,
                    top + 16 * (c + 1), colour, e.getKey()));
            c++;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }
}
