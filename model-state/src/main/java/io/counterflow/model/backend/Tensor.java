package io.counterflow.model.backend;

/**
 * A row-major matrix of floats owned by one {@link Backend}. Capacity is fixed at allocation; the number of
 * active rows ({@link #rows()}) may be lowered for a smaller batch and every kernel works on the active rows
 * only. A tensor's memory is released by {@link #close()} (a no-op for heap tensors).
 */
public abstract class Tensor implements AutoCloseable {
    private final int capacityRows;
    private final int cols;
    private int rows;

    protected Tensor(int capacityRows, int cols) {
        this.capacityRows = capacityRows;
        this.cols = cols;
        this.rows = capacityRows;
    }

    /** Active rows. */
    public final int rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    public final int capacityRows() {
        return capacityRows;
    }

    /** Active elements: rows × cols. */
    public final int size() {
        return rows * cols;
    }

    /** Sets the number of active rows (0 ≤ n ≤ capacity); contents are kept. */
    public final Tensor setRows(int n) {
        if (n < 0 || n > capacityRows) {
            throw new IllegalArgumentException(
                    "rows " + n + " outside [0, " + capacityRows + "] for a tensor of " + cols + " columns");
        }
        this.rows = n;
        return this;
    }

    /** The backend that owns this tensor. */
    public abstract Backend backend();

    @Override
    public void close() {}

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + rows + "x" + cols + " of " + capacityRows + "]";
    }
}
