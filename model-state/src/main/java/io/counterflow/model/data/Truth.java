package io.counterflow.model.data;

import java.util.Objects;

/**
 * Ground truth carried by generated data only: {@code ctr} = p(x), the click propensity, and {@code cvr} =
 * q(x) = P(conversion | do(click = 1), x). Absent truth is a {@code null} reference, never a sentinel value.
 */
public final class Truth {
    public double ctr;
    public double cvr;

    public Truth() {}

    public Truth(double ctr, double cvr) {
        this.ctr = ctr;
        this.cvr = cvr;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Truth && ((Truth) o).ctr == ctr && ((Truth) o).cvr == cvr;
    }

    @Override
    public int hashCode() {
        return Objects.hash(ctr, cvr);
    }

    @Override
    public String toString() {
        return "Truth{ctr=" + ctr + ", cvr=" + cvr + "}";
    }
}
