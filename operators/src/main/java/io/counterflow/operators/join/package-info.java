/**
 * The event-time label join: impressions, clicks and delayed conversions, keyed by impression id, become
 * exactly one {@link io.counterflow.model.data.LabeledSample} per impression once its label is final.
 *
 * <ul>
 *   <li>{@link io.counterflow.operators.join.JoinEvent}: the tagged union the three event streams are
 *       mapped to before {@code keyBy}, so that one keyed one-input operator sees all of them.
 *   <li>{@link io.counterflow.operators.join.LabelJoinOperator}: the operator (shaped like Flink's
 *       {@code IntervalJoinOperator}: keyed state, a timestamp-bucketed {@code MapState} buffer for early
 *       events, event-time timers for every deadline and every cleanup, a dead-letter side output).
 *   <li>{@link io.counterflow.operators.join.LabelingPolicy}: when a label is final and what it is; a separate,
 *       replaceable piece so that early emission with delayed-feedback correction can be added later.
 *   <li>{@link io.counterflow.operators.join.LabelJoinSettings} and {@link io.counterflow.operators.join.Setting}:
 *       each setting declared once (key, description, default, validator).
 * </ul>
 */
package io.counterflow.operators.join;
