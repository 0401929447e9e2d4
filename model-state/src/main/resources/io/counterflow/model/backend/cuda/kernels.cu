// Counterflow's CUDA kernels: everything of a training step but the dense layers (cuBLAS) and the objective
// (evaluated on the host). Compiled at start-up by NVRTC (CudaBackend), for the device's own architecture, with
// --fmad=false and IEEE division and square root (no fast math): every a*b+c then rounds twice, as Java's
// float arithmetic does, so each kernel reproduces the Java reference backend (CpuBackend) bit for bit when it
// sums in the same order. Reductions that must match exactly therefore run sequentially per output element
// (softmax rows, the experts' mixture, embedding pooling and its scatter-add); only sumRows reduces in a tree
// (its parity tolerance is a relative bound, as for OpenBLAS).
//
// Conventions: matrices are row-major; every kernel takes its extents and bounds itself with a grid-stride
// loop, so any grid size is correct (CudaKernels.grid1d caps it). The parameter list of each kernel must match
// the signature declared in CudaKernels.Kernel: CudaKernelSourceTest checks it, and the launch helper checks the
// arguments given against that declaration. NVRTC compiles this file without any header: use builtins only.

typedef long long i64;

#define GRID_STRIDE(i, n) \
    for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < (i64) (n); i += (i64) blockDim.x * gridDim.x)

// Java's Math.max(float, float): NaN if either is NaN, and +0 is larger than -0.
__device__ __forceinline__ float java_max(float a, float b) {
    if (a != a) {
        return a;
    }
    if (a == 0.0f && b == 0.0f && __float_as_uint(a) == 0x80000000u) {
        return b;
    }
    return a >= b ? a : b;
}

// y[i, :] += bias[0, :] over the active rows.
extern "C" __global__ void cf_add_bias(float* y, const float* bias, int rows, int cols) {
    GRID_STRIDE(e, (i64) rows * cols) {
        y[e] = y[e] + bias[e % cols];
    }
}

// y = max(y, +0) as CpuBackend does it (Java's Math.max): negatives and -0 become +0, a NaN of either sign
// stays the same NaN. Sign-bit clearing instead of fmaxf, which would turn NaN into 0.
extern "C" __global__ void cf_relu(float* y, int n) {
    GRID_STRIDE(e, n) {
        float x = y[e];
        int bits = __float_as_int(x);
        y[e] = x != x ? x : __int_as_float(bits & ~(bits >> 31));
    }
}

// dy = dy * [y > 0], with CpuBackend's mask -bits >> 31 (computed unsigned: no signed overflow).
extern "C" __global__ void cf_relu_backward(const float* y, float* dy, int n) {
    GRID_STRIDE(e, n) {
        int mask = ((int) (0u - (unsigned int) __float_as_int(y[e]))) >> 31;
        dy[e] = __int_as_float(__float_as_int(dy[e]) & mask);
    }
}

// First pass of sumRows: partial[c, j] = sum of dy[i, j] over the rows of chunk c (rowsPerChunk rows each).
// Block (32, 8): 32 columns, 8 row lanes summed in a fixed order (deterministic, not Java's order).
extern "C" __global__ void cf_sum_rows_partial(const float* dy, float* partial, int rows, int cols,
        int rowsPerChunk) {
    __shared__ float lanes[8][33];
    int col = blockIdx.x * 32 + threadIdx.x;
    int r0 = blockIdx.y * rowsPerChunk;
    int r1 = rows - r0 < rowsPerChunk ? rows : r0 + rowsPerChunk;
    float acc = 0.0f;
    if (col < cols) {
        for (int r = r0 + threadIdx.y; r < r1; r += 8) {
            acc = acc + dy[(i64) r * cols + col];
        }
    }
    lanes[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && col < cols) {
        float s = lanes[0][threadIdx.x];
        for (int l = 1; l < 8; l++) {
            s = s + lanes[l][threadIdx.x];
        }
        partial[(i64) blockIdx.y * cols + col] = s;
    }
}

// Second pass of sumRows: out[j] = beta * out[j] + sum over chunks of partial[c, j] (beta = 0 ignores out).
extern "C" __global__ void cf_sum_rows_finish(const float* partial, float* out, int chunks, int cols,
        float beta) {
    GRID_STRIDE(j, cols) {
        float acc = beta == 0.0f ? 0.0f : beta * out[j];
        for (int c = 0; c < chunks; c++) {
            acc = acc + partial[(i64) c * cols + j];
        }
        out[j] = acc;
    }
}

// z[i, :] = softmax(z[i, :]), one thread per row, in CpuBackend's order (max shift, exp in double).
extern "C" __global__ void cf_softmax_rows(float* z, int rows, int k) {
    GRID_STRIDE(i, rows) {
        float* row = z + i * k;
        float mx = __uint_as_float(0xff800000u);
        for (int j = 0; j < k; j++) {
            mx = java_max(mx, row[j]);
        }
        float sum = 0.0f;
        for (int j = 0; j < k; j++) {
            float e = (float) exp((double) (row[j] - mx));
            row[j] = e;
            sum = sum + e;
        }
        float inv = 1.0f / sum;
        for (int j = 0; j < k; j++) {
            row[j] = row[j] * inv;
        }
    }
}

// d[i, k] = g[i, k] * (d[i, k] - sum_j g[i, j] d[i, j]), one thread per row.
extern "C" __global__ void cf_softmax_backward(const float* g, float* d, int rows, int k) {
    GRID_STRIDE(i, rows) {
        const float* gr = g + i * k;
        float* dr = d + i * k;
        float dot = 0.0f;
        for (int j = 0; j < k; j++) {
            dot = dot + gr[j] * dr[j];
        }
        for (int j = 0; j < k; j++) {
            dr[j] = gr[j] * (dr[j] - dot);
        }
    }
}

// out[i, j] = sum_x g[i, x] * e[i, x*h + j], one thread per output element, experts in order.
extern "C" __global__ void cf_mix_experts(const float* e, const float* g, float* out, int rows, int k, int h) {
    GRID_STRIDE(t, (i64) rows * h) {
        i64 i = t / h;
        i64 j = t - i * h;
        float acc = 0.0f;
        for (int x = 0; x < k; x++) {
            acc = acc + g[i * k + x] * e[(i * k + x) * h + j];
        }
        out[t] = acc;
    }
}

// dE[i, x*h + j] = beta * dE + g[i, x] * dOut[i, j] (beta = 0 ignores dE).
extern "C" __global__ void cf_mix_experts_backward_de(const float* g, const float* dOut, float beta, float* dE,
        int rows, int k, int h) {
    GRID_STRIDE(t, (i64) rows * k * h) {
        i64 i = t / ((i64) k * h);
        i64 rem = t - i * k * h;
        i64 x = rem / h;
        i64 j = rem - x * h;
        float prev = beta == 0.0f ? 0.0f : beta * dE[t];
        dE[t] = prev + g[i * k + x] * dOut[i * h + j];
    }
}

// dG[i, x] = sum_j dOut[i, j] * e[i, x*h + j], one thread per (i, x), j in order.
extern "C" __global__ void cf_mix_experts_backward_dg(const float* e, const float* dOut, float* dG, int rows,
        int k, int h) {
    GRID_STRIDE(t, (i64) rows * k) {
        i64 i = t / k;
        const float* er = e + t * h;
        const float* dr = dOut + i * h;
        float dot = 0.0f;
        for (int j = 0; j < h; j++) {
            dot = dot + dr[j] * er[j];
        }
        dG[t] = dot;
    }
}

// The input layer, one thread per element of x (n x width): single-valued fields gather their table row,
// multi-valued fields average theirs (in entry order; an empty pool is zeros), numeric fields are copied.
// Rows are looked up through the batch's unique-row list: row = uniqueRows[slot].
extern "C" __global__ void cf_embed(const float* table, const int* uniqueRows, const int* catSlots,
        const int* mvStart, const int* mvSlots, const float* numeric, float* x, int n, int catFields,
        int multiFields, int numFields, int dim, int width) {
    GRID_STRIDE(t, (i64) n * width) {
        i64 i = t / width;
        int c = (int) (t - i * width);
        int catWidth = catFields * dim;
        int pooledEnd = catWidth + multiFields * dim;
        if (c < catWidth) {
            int f = c / dim;
            int d = c - f * dim;
            x[t] = table[(i64) uniqueRows[catSlots[i * catFields + f]] * dim + d];
        } else if (c < pooledEnd) {
            int f = (c - catWidth) / dim;
            int d = (c - catWidth) - f * dim;
            int s0 = mvStart[i * multiFields + f];
            int s1 = mvStart[i * multiFields + f + 1];
            float acc = 0.0f;
            for (int s = s0; s < s1; s++) {
                acc = acc + table[(i64) uniqueRows[mvSlots[s]] * dim + d];
            }
            if (s1 > s0) {
                float inv = 1.0f / (float) (s1 - s0);
                acc = acc * inv;
            }
            x[t] = acc;
        } else {
            x[t] = numeric[i * numFields + (c - pooledEnd)];
        }
    }
}

// Backward of cf_embed into one gradient row per unique slot, one thread per (slot, d): the slot's occurrences
// (built on the host in CpuBackend's order: sample, then field, then pool entry) are summed sequentially, so
// the result is deterministic and equal to the Java reference. occKey = sample * fields + fieldSlot, where
// fieldSlot indexes the (catFields + multiFields) embedded fields; occScale is 1 or 1/poolSize.
extern "C" __global__ void cf_embed_backward(const float* dx, const int* occStart, const int* occKey,
        const float* occScale, float* gradRows, int uniqueCount, int fields, int dim, int width) {
    GRID_STRIDE(t, (i64) uniqueCount * dim) {
        i64 u = t / dim;
        int d = (int) (t - u * dim);
        int o0 = occStart[u];
        int o1 = occStart[u + 1];
        float acc = 0.0f;
        // Unrolled so that the loads of several occurrences are in flight at once (a frequent row has hundreds);
        // the additions stay in list order.
#pragma unroll 8
        for (int o = o0; o < o1; o++) {
            int key = occKey[o];
            int i = key / fields;
            int fs = key - i * fields;
            acc = acc + occScale[o] * dx[(i64) i * width + fs * dim + d];
        }
        gradRows[t] = acc;
    }
}

// One Adam update of element wi with gradient gv0, as CpuBackend.adamRange writes it.
__device__ __forceinline__ void adam_one(float* w, float* m, float* v, i64 wi, float gv0, float lr, float b1,
        float b2, float eps, float l2, float c1, float c2) {
    float wv = w[wi];
    float gv = gv0 + l2 * wv;
    float mv = b1 * m[wi] + (1.0f - b1) * gv;
    float vv = b2 * v[wi] + (1.0f - b2) * gv * gv;
    m[wi] = mv;
    v[wi] = vv;
    w[wi] = wv - lr * (mv * c1) / (sqrtf(vv * c2) + eps);
}

// Dense Adam with L2 over n elements; c1 = 1/(1 - beta1^t), c2 = 1/(1 - beta2^t), computed on the host.
extern "C" __global__ void cf_adam(float* w, const float* g, float* m, float* v, int n, float lr, float b1,
        float b2, float eps, float l2, float c1, float c2) {
    GRID_STRIDE(i, n) {
        adam_one(w, m, v, i, g[i], lr, b1, b2, eps, l2, c1, c2);
    }
}

// Lazy Adam on the batch's unique table rows: table[uniqueRows[u]] with gradient gradRows[u].
extern "C" __global__ void cf_sparse_adam(float* table, float* m, float* v, const float* gradRows,
        const int* uniqueRows, int uniqueCount, int dim, float lr, float b1, float b2, float eps, float l2,
        float c1, float c2) {
    GRID_STRIDE(t, (i64) uniqueCount * dim) {
        i64 u = t / dim;
        i64 d = t - u * dim;
        adam_one(table, m, v, (i64) uniqueRows[u] * dim + d, gradRows[t], lr, b1, b2, eps, l2, c1, c2);
    }
}

// Adagrad on the batch's unique table rows: acc += g'^2; w -= lr * g' / (sqrt(acc) + eps), g' = g + l2 * w.
extern "C" __global__ void cf_sparse_adagrad(float* table, float* acc, const float* gradRows,
        const int* uniqueRows, int uniqueCount, int dim, float lr, float eps, float l2) {
    GRID_STRIDE(t, (i64) uniqueCount * dim) {
        i64 u = t / dim;
        i64 wi = (i64) uniqueRows[u] * dim + (t - u * dim);
        float wv = table[wi];
        float gv = gradRows[t] + l2 * wv;
        float av = acc[wi] + gv * gv;
        acc[wi] = av;
        table[wi] = wv - lr * gv / (sqrtf(av) + eps);
    }
}
