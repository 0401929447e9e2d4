/**
 * The feature space: how contract {@code features} become model input. Categorical values are hashed with
 * their field name (seeded 64-bit) into embedding-table rows, multi-valued fields are mean-pooled, numeric
 * fields are standardised with running statistics that are part of the model. Values never seen still map to a
 * row, so they still score. {@link io.counterflow.model.feature.EncodedBatch} is the batch-major encoding the
 * backends consume; {@link io.counterflow.model.feature.EncodedSamples} is a whole batch in the trainer's input
 * form (its steps' encodings and the per-row columns training needs besides the features).
 */
package io.counterflow.model.feature;
