/**
 * The network: embedding input layer, shared extractor (shared-bottom or MMoE), towers (CTR, CVR, imputation,
 * DCMT's twin CVR tower with its wide part), hand-written forward and backward passes as kernel calls on a
 * {@link io.counterflow.model.backend.Backend}, and the optimiser step. {@link io.counterflow.model.nn.CvrModel}
 * is the entry point; it owns every tensor (parameters, optimiser state, activations) and frees them on close.
 */
package io.counterflow.model.nn;
