/**
 * Offline evaluation of CTR/CVR/CTCVR predictions, as the ESMM/ESCM²/DCMT papers report it: exact ROC AUC
 * (ties get average ranks), KS, best-F1 and its recall, log loss, and the {@link
 * io.counterflow.model.metrics.Evaluation} that computes them over the right sample spaces (CVR over clicked
 * samples; CTCVR and, when ground truth is present, CVR bias over the entire exposure space) and writes the
 * contract's evaluation JSON. Everything works on primitive float arrays: one sort per metric family, no
 * boxing, so tens of millions of samples fit.
 */
package io.counterflow.model.metrics;
