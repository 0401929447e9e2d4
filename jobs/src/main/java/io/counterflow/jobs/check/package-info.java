/**
 * Backend parity checks that run outside JUnit ({@code counterflow gpu-check}): a machine with a GPU but no Maven
 * checks every kernel and whole training steps of the CUDA backend against the Java reference with the same
 * tolerances as the unit tests.
 */
package io.counterflow.jobs.check;
