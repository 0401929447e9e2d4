/**
 * The training objectives of the entire-space CVR literature, as one numerically stable loss-and-gradient
 * routine over the heads' logits: {@code naive}, {@code mtl-imp}, {@code esmm}, {@code mtl-ips}, {@code
 * mtl-dr}, {@code mtl-eib}, {@code escm2-ips}, {@code escm2-dr}, {@code dcmt}, {@code dcmt-pd}, {@code
 * dcmt-cf}. Formulas are in the README and on {@link io.counterflow.model.objective.ObjectiveKind}; the
 * settings in {@link io.counterflow.model.objective.ObjectiveSettings}. Losses are computed from logits
 * (softplus, log1p, expm1), never as log of a probability.
 */
package io.counterflow.model.objective;
