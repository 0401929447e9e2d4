package io.counterflow.model.data;

/**
 * Why a record went to the dead-letter output (CONTRACT.md, "Bad input"). The names are part of the external
 * contract: they appear in dead-letter records, metrics and CLI reports. Only add; never rename.
 */
public enum BadInputReason {
    /** Not parseable as a JSON object (or CSV row with the header's column count). */
    INVALID_JSON,
    /** {@code id} / {@code impression_id} absent, not a string, or empty. */
    MISSING_ID,
    /** {@code id} / {@code impression_id} longer than 256 characters. */
    ID_TOO_LONG,
    /** {@code ts} absent or not an integral number. */
    MISSING_TS,
    /** {@code click} or {@code conversion} absent or outside {0,1}. */
    LABEL_OUT_OF_RANGE,
    /** {@code conversion = 1} with {@code click = 0}, or a conversion event for an impression never clicked. */
    CONVERSION_WITHOUT_CLICK,
    /** A numeric feature (or truth value) that is NaN or infinite. */
    NON_FINITE_NUMBER,
    /** {@code features} absent or not an object, a value of an unsupported type, or over 1,000 entries. */
    INVALID_FEATURES,
    /** A click or conversion for an impression the join never saw (within the allowed lateness). */
    UNKNOWN_IMPRESSION,
    /** A click or conversion that arrived after its impression's windows were closed and its state cleaned. */
    EXPIRED_IMPRESSION,
    /** A click later than the click window after its impression. */
    CLICK_OUTSIDE_WINDOW,
    /** A conversion later than the attribution window after its click. */
    CONVERSION_OUTSIDE_WINDOW,
    /** An event whose timestamp is behind the watermark by more than the allowed lateness. */
    LATE_EVENT,
    /** A second impression with an id already seen (the first one wins). */
    DUPLICATE_IMPRESSION,
    /**
     * An event whose {@code ts} is further ahead of the source's processing-time clock than the allowed skew: it
     * would push the watermark into the future and close every open window early.
     */
    FUTURE_TIMESTAMP,
    /** A record larger than the sources' size limit; not parsed. */
    RECORD_TOO_LARGE
}
