package io.counterflow.jobs.serve;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.snapshot.CvrScorer;
import io.counterflow.model.snapshot.ModelSnapshot;
import io.counterflow.model.snapshot.SnapshotFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One model version, loaded and validated, ready to score: immutable once built. A {@link CvrModel} (and its
 * backend) is used by one thread at a time, so the version holds one scorer per request thread, each over its own
 * copy of the parameters, in a pool that a request borrows from for the length of its scoring.
 *
 * <p>Lifetime: reference counted. The server holds one reference while the version is current; each request
 * {@link #retain}s it before scoring and {@link #release}s it after. {@link #retire} drops the server's reference;
 * the scorers are closed when the last in-flight request is done, never under one.
 */
final class LoadedModel {
    final String version;
    /** What {@code GET /v1/model} shows: the manifest without its tensor list. */
    final Map<String, Object> manifest;
    final String backendName;
    final long loadedAtMillis;
    private final List<CvrScorer> scorers;
    private final List<Backend> backends;
    private final ArrayBlockingQueue<CvrScorer> pool;
    private final AtomicInteger refs = new AtomicInteger(1);

    private LoadedModel(String version, Map<String, Object> manifest, List<CvrScorer> scorers,
            List<Backend> backends) {
        this.version = version;
        this.manifest = manifest;
        this.scorers = scorers;
        this.backends = backends;
        this.backendName = backends.get(0).name();
        this.loadedAtMillis = System.currentTimeMillis();
        this.pool = new ArrayBlockingQueue<>(scorers.size(), false, scorers);
    }

    /**
     * Loads version {@code version} from {@code dir} into {@code copies} scorers with room for {@code capacity}
     * impressions per kernel call, and validates it: the manifest (format, version, shapes), every tensor's size
     * and CRC32 (read), and a smoke score of a synthetic impression on every copy that must give probabilities in
     * [0, 1]. Anything loaded is closed again when a check fails.
     *
     * @throws IOException naming the file and what is wrong (a {@link SnapshotFormatException} for a bad snapshot)
     */
    static LoadedModel load(String version, Path dir, int copies, int capacity, String backend) throws IOException {
        Map<String, Object> m = ModelSnapshot.manifest(dir);
        Map<String, Object> shown = new LinkedHashMap<>(m);
        shown.remove("tensors");
        List<CvrScorer> scorers = new ArrayList<>();
        List<Backend> backends = new ArrayList<>();
        try {
            for (int i = 0; i < copies; i++) {
                Backend be = Backends.create(backend);
                backends.add(be);
                CvrScorer s = CvrScorer.of(ModelSnapshot.read(dir, be, capacity));
                scorers.add(s);
                smokeTest(s, dir);
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            closeAll(scorers, backends);
            throw e;
        }
        return new LoadedModel(version, Collections.unmodifiableMap(shown), scorers, backends);
    }

    /** Scores one impression with a value for every field of the feature space; the result must be a probability. */
    private static void smokeTest(CvrScorer s, Path dir) throws SnapshotFormatException {
        FeatureSpace fs = s.model().featureSpace();
        String[] cats = new String[fs.catFields.length];
        java.util.Arrays.fill(cats, "smoke");
        String[][] multis = new String[fs.multiFields.length][];
        java.util.Arrays.fill(multis, new String[] {"smoke"});
        double[] nums = new double[fs.numFields.length];
        Features f = new Features(fs.catFields, cats, fs.multiFields, multis, fs.numFields, nums);
        float[] ctr = new float[1];
        float[] cvr = new float[1];
        s.score(new LabeledSample[] {new LabeledSample("smoke", 0, 0, 0, f, null)}, 1, ctr, cvr);
        if (!(ctr[0] >= 0 && ctr[0] <= 1 && cvr[0] >= 0 && cvr[0] <= 1)) {
            throw new SnapshotFormatException(dir + ": smoke score of a synthetic impression is not a probability"
                    + " (ctr " + ctr[0] + ", cvr " + cvr[0] + ")");
        }
    }

    /** Takes a reference for one request; false when the version is already closed (read the current one again). */
    boolean retain() {
        while (true) {
            int c = refs.get();
            if (c <= 0) {
                return false;
            }
            if (refs.compareAndSet(c, c + 1)) {
                return true;
            }
        }
    }

    /** Gives back a reference; the last one closes the scorers. */
    void release() {
        if (refs.decrementAndGet() == 0) {
            closeAll(scorers, backends);
        }
    }

    /** Drops the server's reference (after the swap to another version). */
    void retire() {
        release();
    }

    /** A scorer for the calling request; there is one per request thread, so this waits only momentarily. */
    CvrScorer borrow() throws InterruptedException {
        return pool.take();
    }

    void giveBack(CvrScorer s) {
        pool.add(s);
    }

    private static void closeAll(List<CvrScorer> scorers, List<Backend> backends) {
        for (CvrScorer s : scorers) {
            s.model().close();
        }
        for (Backend b : backends) {
            b.close();
        }
    }
}
