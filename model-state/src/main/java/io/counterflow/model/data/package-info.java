/**
 * The external contract's records (CONTRACT.md) as Flink-POJO-shaped classes: impressions, clicks,
 * conversions, labeled samples, dead letters and the reasons that send input there. Everything here has
 * public fields and a public no-argument constructor so that Flink serialises it as a POJO, never with Kryo.
 */
package io.counterflow.model.data;
