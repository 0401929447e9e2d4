/**
 * The streaming evaluation of labeling policies on a generated world: the delayed-feedback papers' protocol
 * (train in event time on what each policy emits; score every slice's impressions, with their final labels, by the
 * model as of the slice's start).
 */
package io.counterflow.jobs.eval;
