package io.counterflow.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.ml.linalg.DenseVector;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void openBlasLoadsAndFlinkMlIsOnTheClasspath() {
        Loader.load(openblas_nolapack.class);
        float[] a = {1, 2, 3, 4};
        float[] b = {1, 0, 0, 1};
        float[] c = new float[4];
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
        assertThat(c).containsExactly(1, 2, 3, 4);
        assertThat(new DenseVector(new double[] {1, 2}).size()).isEqualTo(2);
    }
}
