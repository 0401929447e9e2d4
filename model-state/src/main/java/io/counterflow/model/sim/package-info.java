/**
 * The synthetic data generator behind {@code counterflow generate}: a world of users and items with latent
 * factors, a click propensity p(x) and a counterfactual conversion probability q(x) that share a component
 * (so clicked impressions have higher q than average: the selection bias ESCM² studies), click and
 * long-tailed conversion delays, and the labels an event-time join with the configured windows must produce.
 * Every record carries the ground truth {@code "truth":{"ctr":p,"cvr":q}} so that evaluation can measure bias
 * over the whole exposure space. Optionally the world moves (per-item conversion drift, rotating popularity, new
 * items), for comparing delayed-feedback labeling policies against the truth at each event's time; see
 * docs/generator.md. Deterministic by seed; streams to files or to callbacks in memory that grows only with the
 * new items and the pending (not yet due) clicks and conversions.
 */
package io.counterflow.model.sim;
