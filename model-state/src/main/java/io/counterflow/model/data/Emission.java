package io.counterflow.model.data;

/**
 * How the label join emitted a sample row, under a delayed-feedback labeling policy (docs/delayed-feedback.md).
 * The trainer derives each row's weights from it: only {@link #FINAL} and {@link #FIRST} rows carry the
 * impression's CTR term; the CVR-side terms of clicked rows are importance-weighted.
 */
public enum Emission {
    /** The impression's only row, with its final labels (policy wait, every unclicked impression, offline data). */
    FINAL,
    /** A clicked impression's first row, with the labels observed at emission: conversion 0 is provisional. */
    FIRST,
    /** A positive copy: the conversion arrived after the {@link #FIRST} row (fnw, es-dfm, defer). */
    CORRECTION,
    /** defer: the second row of a clicked impression, with its final label, when the attribution window closes. */
    FINAL_COPY
}
