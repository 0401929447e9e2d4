/**
 * Serializers of the records that cross the network between the job's operators (the label join's input events
 * and its labeled samples): hand-written, without reflection or boxing; strings length-prefixed (ASCII as bytes,
 * anything else as UTF-16 chars, so every string reads back exactly); feature-name arrays shared between
 * consecutive records that repeat them.
 *
 * <p>These are wire formats only; no keyed or operator state uses them (state keeps Flink's POJO serializers, so
 * savepoints are unaffected). A job restored from an <em>unaligned</em> checkpoint taken by a build with another
 * wire format cannot read the in-flight records; savepoints are always aligned.
 */
package io.counterflow.operators.wire;
