package io.counterflow.model.sim;

import java.util.function.DoubleUnaryOperator;

/** The normal and lognormal distribution functions behind the generator's delay settings and summaries. */
final class Lognormal {
    private Lognormal() {}

    /** Φ(z) = erfc(−z/√2) / 2, with erfc to a relative error below 1.2e-7 (Numerical Recipes' erfcc). */
    static double normalCdf(double z) {
        double x = -z / Math.sqrt(2);
        double t = 1 / (1 + 0.5 * Math.abs(x));
        double erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return 0.5 * (x >= 0 ? erfc : 2 - erfc);
    }

    /** Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation refined by one Halley step. */
    static double inverseNormalCdf(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must be in (0, 1), was " + p);
        }
        double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
        double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01};
        double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
        double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double lo = 0.02425;
        double x;
        if (p < lo || p > 1 - lo) {
            double q = Math.sqrt(-2 * Math.log(p < lo ? p : 1 - p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
            if (p > 1 - lo) {
                x = -x;
            }
        } else {
            double q = p - 0.5;
            double r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                    / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        double e = normalCdf(x) - p;
        double u = e * Math.sqrt(2 * Math.PI) * Math.exp(x * x / 2);
        return x - u / (1 + x * u / 2);
    }

    /** P(X ≤ x) for ln X ~ N(ln median, sigma²); a step at the median when sigma = 0. */
    static double cdf(double x, double median, double sigma) {
        if (x <= 0) {
            return 0;
        }
        if (sigma == 0) {
            return x >= median ? 1 : 0;
        }
        return normalCdf((Math.log(x) - Math.log(median)) / sigma);
    }

    /** The p-quantile of a distribution on (0, ∞) given by its CDF, by bisection on a log scale in [1e-3, 1e13]. */
    static double quantile(DoubleUnaryOperator cdf, double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must be in (0, 1), was " + p);
        }
        double lo = Math.log(1e-3);
        double hi = Math.log(1e13);
        for (int k = 0; k < 200 && hi - lo > 1e-12; k++) {
            double mid = 0.5 * (lo + hi);
            if (cdf.applyAsDouble(Math.exp(mid)) < p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.exp(0.5 * (lo + hi));
    }
}
