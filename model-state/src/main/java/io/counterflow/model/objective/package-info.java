/**
 * The training objectives of the entire-space CVR literature, one class per family behind {@link
 * io.counterflow.model.objective.Objective}, registered by name in {@link
 * io.counterflow.model.objective.Objectives}: {@code naive}, {@code mtl-imp}, {@code esmm}, {@code mtl-ips},
 * {@code mtl-dr}, {@code mtl-eib}, {@code escm2-ips}, {@code escm2-dr}, {@code dcmt}, {@code dcmt-pd}, {@code
 * dcmt-cf}. Each class states its formulas and declares its own settings. Losses are computed from logits
 * (softplus, log1p, expm1), never as log of a probability.
 */
package io.counterflow.model.objective;
