/**
 * The event-time label join: impressions, clicks and delayed conversions, keyed by impression id, become {@link
 * io.counterflow.model.data.LabeledSample} rows, as a labeling policy decides: one row per impression once its
 * label is final ({@code wait}), or a clicked impression's row early with later corrections (the delayed-feedback
 * policies {@code fnw}, {@code es-dfm}, {@code defer}).
 *
 * <ul>
 *   <li>{@link io.counterflow.operators.join.JoinEvent}: the tagged union the three event streams are
 *       mapped to before {@code keyBy}, so that one keyed one-input operator sees all of them.
 *   <li>{@link io.counterflow.operators.join.LabelJoinOperator}: the operator (shaped like Flink's
 *       {@code IntervalJoinOperator}: keyed state, a timestamp-bucketed {@code MapState} buffer for early
 *       events, event-time timers for every deadline and every cleanup, a dead-letter side output).
 *   <li>{@link io.counterflow.operators.join.LabelingPolicy}: which rows are emitted for an impression and when;
 *       one package-private class per policy ({@code EmitWhenFinal}, {@code FakeNegativeWeighted}, {@code
 *       ElapsedTimeSampling}, {@code DeferredFinalCopy}), each with its rules in its javadoc, built by {@link
 *       io.counterflow.operators.join.LabelingPolicy#of(io.counterflow.operators.join.LabelJoinSettings)}.
 *   <li>{@link io.counterflow.operators.join.LabelState}: the per-key state (a Flink POJO; fields are only ever
 *       added, and golden snapshots of older versions must still restore).
 *   <li>{@link io.counterflow.operators.join.LabelJoinSettings} and {@link io.counterflow.model.settings.Setting}:
 *       each setting declared once (key, description, default, validator).
 * </ul>
 */
package io.counterflow.operators.join;
