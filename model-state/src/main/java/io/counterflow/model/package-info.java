/** Counterflow's model: plain Java, no Flink runtime. Sub-packages hold one concept each. */
package io.counterflow.model;
