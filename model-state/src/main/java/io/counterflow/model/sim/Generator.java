package io.counterflow.model.sim;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.data.Truth;
import io.counterflow.model.io.JsonLinesWriter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates impressions, clicks and conversions with known propensities (see the package documentation).
 *
 * <p>The world, fixed by {@code seed}: users with latent factors u, an age bucket, gender, city and 5
 * favourite categories; items with a shared latent v, a CVR-only latent w, category, brand, shop and base
 * price; per-entity biases. Popularity is Zipf-like. Each impression picks a user, then an item (half the
 * time from one of the user's favourite categories), {@code hist_cats} (1–5 of the user's favourite
 * categories) and a price (the item's base price less a 0/10/20% discount). Then
 *
 * <pre>
 * logit p = a_p + u·v + b_p(user) + b_p(item) + b_p(category) + 0.8·[category ∈ hist_cats] − 0.15·ln(price/30)
 * logit q = a_q + selectionBias·u·v + 0.8·u·w + b_q(user) + b_q(item) + b_q(category) + b_q(age)
 *           + 0.3·[category ∈ hist_cats] − 0.35·ln(price/30)
 * </pre>
 *
 * <p>so p and q share u·v (positively correlated: clicked impressions have higher q, the selection bias of
 * ESCM²) and both are functions of the emitted features. The intercepts a_p and a_q are calibrated by
 * bisection on {@value #CALIBRATION_DRAWS} draws at construction so that E[p] = clickRate and
 * E[p·q] / E[p] = cvrAmongClicks. Click ~ Bernoulli(p) after a lognormal delay; conversion ~ Bernoulli(q) if
 * clicked, after a delay from a two-component lognormal mixture (minutes or days). The sample is labeled
 * click = 1 iff the click delay ≤ clickWindowMs, and conversion = 1 iff additionally the conversion delay
 * after the click ≤ attributionWindowMs (both inclusive), which is what an event-time join with these windows
 * computes. {@code truth.cvr} is q itself, uncensored by the attribution window.
 *
 * <p>A world that moves (every part off by default, and then the output is byte for byte what it was before
 * these settings existed): with {@code cvrDriftAmplitude} A > 0, {@code logit q} gains A·sin(2π·t/P + φ(item))
 * at the impression's event time t (days since {@code startTs}, P = {@code cvrDriftPeriodDays}, φ a per-item
 * phase), and {@code truth.cvr} is that drifted q; with {@code popularityShiftPerDay} the Zipf ranking rotates;
 * with {@code newItemsPerDay} items arrive as a Poisson process and start with no history. The extra draws
 * come from streams of their own, so turning them on does not change the initial world. {@code writeTo}
 * also writes {@value #OUTCOMES_FILE} (per impression: final labels, click and conversion delays).
 *
 * <p>Not thread-safe; a run allocates per impression only the records it hands out.
 */
public final class Generator {
    /** The per-impression outcome file {@link #writeTo} writes (delays and final labels; see {@link OutcomeWriter}). */
    public static final String OUTCOMES_FILE = "outcomes.jsonl";

    /** Calibration sample size. */
    static final int CALIBRATION_DRAWS = 50_000;

    static final String[] CAT_NAMES = {
        "user_id", "item_id", "user_age", "user_gender", "user_city", "item_category", "item_brand", "item_shop"
    };
    static final String[] MULTI_NAMES = {"hist_cats"};
    static final String[] NUM_NAMES = {"price"};

    private static final int AGES = 7;
    private static final int GENDERS = 3;
    private static final int CITIES = 100;
    private static final int CATEGORIES = 50;
    private static final int BRANDS = 300;
    private static final int SHOPS = 500;
    private static final int FAVOURITES = 5;
    private static final double MEDIAN_PRICE = 30;
    private static final double MAX_DELAY_MS = 1e12;
    private static final double ITEM_ZIPF = 0.9;
    /** Salts of the world's drift streams, independent of (and not advancing) the original world stream. */
    private static final long DRIFT_SALT = 0x2545F4914F6CDD1DL;
    private static final long NEW_ITEM_SALT = 0x9E3779B97F4A7C15L;
    private static final long ARRIVAL_SALT = 0xD1B54A32D192ED03L;

    private final GeneratorConfig config;
    private final int dim;
    private final double[] userLatent;
    // Item attributes grow (in index order) when new items arrive; entries never change once drawn.
    private double[] itemShared;
    private double[] itemOwn;
    private final double[] userBiasP;
    private final double[] userBiasQ;
    private double[] itemBiasP;
    private double[] itemBiasQ;
    private final double[] categoryBiasP;
    private final double[] categoryBiasQ;
    private final double[] ageBiasQ;
    private final int[] userAge;
    private final int[] userGender;
    private final int[] userCity;
    private final int[] userFavourites;
    private int[] itemCategory;
    private int[] itemBrand;
    private int[] itemShop;
    private double[] itemPrice;
    /** Phase φ of each item's conversion drift, in [0, 2π). */
    private double[] itemPhase;
    /** Items whose attributes are drawn: the initial ones, then new items in arrival (= index) order. */
    private int drawnItems;
    private final SplittableRandom newItemWorld;
    private final double[] userCdf;
    private final double[] itemCdf;
    private final int[][] itemsByCategory;
    private final String[] userIds;
    private String[] itemIds;
    private final String[] ages;
    private final String[] genders;
    private final String[] cities;
    private final String[] categories;
    private final String[] brands;
    private final String[] shops;
    private final double interceptP;
    private final double interceptQ;

    /** One drawn impression context; reused. */
    private static final class Draw {
        int user;
        int item;
        int histLen;
        final int[] hist = new int[FAVOURITES];
        final int[] perm = new int[FAVOURITES];
        double price;
        double zP;
        double zQ;
    }

    /** Builds the world from {@code config.seed} and calibrates the intercepts. */
    public Generator(GeneratorConfig config) {
        this.config = config;
        this.dim = config.latentDim;
        SplittableRandom world = new SplittableRandom(mix(config.seed));
        int users = config.users;
        int items = config.items;
        double scale = Math.pow(dim, -0.25); // var(u·v) = dim · scale⁴ = 1
        userLatent = gaussians(world, users * dim, scale);
        itemShared = gaussians(world, items * dim, scale);
        itemOwn = gaussians(world, items * dim, scale);
        userBiasP = gaussians(world, users, 0.4);
        userBiasQ = gaussians(world, users, 0.4);
        itemBiasP = gaussians(world, items, 0.4);
        itemBiasQ = gaussians(world, items, 0.4);
        categoryBiasP = gaussians(world, CATEGORIES, 0.3);
        categoryBiasQ = gaussians(world, CATEGORIES, 0.3);
        ageBiasQ = gaussians(world, AGES, 0.3);
        userAge = new int[users];
        userGender = new int[users];
        userCity = new int[users];
        userFavourites = new int[users * FAVOURITES];
        for (int u = 0; u < users; u++) {
            userAge[u] = world.nextInt(AGES);
            userGender[u] = world.nextInt(GENDERS);
            userCity[u] = world.nextInt(CITIES);
            for (int f = 0; f < FAVOURITES; f++) {
                userFavourites[u * FAVOURITES + f] = world.nextInt(CATEGORIES);
            }
        }
        itemCategory = new int[items];
        itemBrand = new int[items];
        itemShop = new int[items];
        itemPrice = new double[items];
        int[] perCategory = new int[CATEGORIES];
        drawnItems = items;
        for (int i = 0; i < items; i++) {
            itemCategory[i] = world.nextInt(CATEGORIES);
            itemBrand[i] = world.nextInt(BRANDS);
            itemShop[i] = world.nextInt(SHOPS);
            itemPrice[i] = MEDIAN_PRICE * Math.exp(0.8 * world.nextGaussian());
            perCategory[itemCategory[i]]++;
        }
        itemsByCategory = new int[CATEGORIES][];
        for (int c = 0; c < CATEGORIES; c++) {
            itemsByCategory[c] = new int[perCategory[c]];
            perCategory[c] = 0;
        }
        for (int i = 0; i < items; i++) {
            int c = itemCategory[i];
            itemsByCategory[c][perCategory[c]++] = i;
        }
        userCdf = zipfCdf(users, 0.6);
        itemCdf = zipfCdf(items, ITEM_ZIPF);
        userIds = names("u", users);
        itemIds = names("i", items);
        ages = names("", AGES);
        genders = names("", GENDERS);
        cities = names("c", CITIES);
        categories = names("cat", CATEGORIES);
        brands = names("b", BRANDS);
        shops = names("s", SHOPS);
        // The moving world's extra draws come from streams of their own, so that the original world (and so a
        // run with drift off) stays exactly what it was.
        SplittableRandom drift = new SplittableRandom(mix(config.seed ^ DRIFT_SALT));
        itemPhase = new double[items];
        for (int i = 0; i < items; i++) {
            itemPhase[i] = 2 * Math.PI * drift.nextDouble();
        }
        newItemWorld = new SplittableRandom(mix(config.seed ^ NEW_ITEM_SALT));

        // Calibration on draws from the world's own stream (not the impression stream).
        SplittableRandom calibration = world.split();
        double[] zP = new double[CALIBRATION_DRAWS];
        double[] zQ = new double[CALIBRATION_DRAWS];
        Draw d = new Draw();
        Catalogue initial = new Catalogue();
        for (int k = 0; k < CALIBRATION_DRAWS; k++) {
            draw(calibration, d, initial);
            zP[k] = d.zP;
            // With conversion drift, calibrate over the drift's cycle: at a uniform time, sin(2πt/P + φ) is
            // distributed as sin of a uniform angle, so E[p·q]/E[p] hits the target averaged over a period.
            zQ[k] = config.cvrDriftAmplitude > 0
                    ? d.zQ + config.cvrDriftAmplitude * Math.sin(2 * Math.PI * drift.nextDouble()) : d.zQ;
        }
        interceptP = bisect(a -> meanSigmoid(zP, a) - config.clickRate);
        double[] p = new double[CALIBRATION_DRAWS];
        double sumP = 0;
        for (int k = 0; k < CALIBRATION_DRAWS; k++) {
            p[k] = sigmoid(interceptP + zP[k]);
            sumP += p[k];
        }
        double totalP = sumP;
        interceptQ = bisect(a -> {
            double s = 0;
            for (int k = 0; k < CALIBRATION_DRAWS; k++) {
                s += p[k] * sigmoid(a + zQ[k]);
            }
            return s / totalP - config.cvrAmongClicks;
        });
    }

    /** The configuration this generator was built with. */
    public GeneratorConfig config() {
        return config;
    }

    /** The calibrated click intercept a_p. */
    public double clickIntercept() {
        return interceptP;
    }

    /** The calibrated conversion intercept a_q. */
    public double conversionIntercept() {
        return interceptQ;
    }

    /** Runs the stream, handing each impression with its outcome to {@code callback}. */
    public GeneratorSummary forEach(ImpressionCallback callback) throws IOException {
        return run(callback, null);
    }

    /** Runs the stream, handing the merged event-time-ordered events to {@code sink}. */
    public GeneratorSummary forEachEvent(EventSink sink) throws IOException {
        return run(null, sink);
    }

    /**
     * Writes {@code impressions.jsonl}, {@code clicks.jsonl}, {@code conversions.jsonl} (each in event-time
     * order), {@code samples.jsonl} and {@code outcomes.jsonl} (both in impression order; see
     * {@link OutcomeWriter}) and {@code generator-manifest.json} into {@code dir}, creating it if needed.
     */
    public GeneratorSummary writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (JsonLinesWriter impressions = writer(dir.resolve("impressions.jsonl"));
                JsonLinesWriter clicks = writer(dir.resolve("clicks.jsonl"));
                JsonLinesWriter conversions = writer(dir.resolve("conversions.jsonl"));
                JsonLinesWriter samples = writer(dir.resolve("samples.jsonl"));
                OutcomeWriter outcomes = new OutcomeWriter(
                        new BufferedOutputStream(Files.newOutputStream(dir.resolve(OUTCOMES_FILE)), 1 << 16))) {
            GeneratorSummary summary = run((imp, click, conv, sample) -> samples.write(sample), new EventSink() {
                @Override
                public void impression(Impression impression) throws IOException {
                    impressions.write(impression);
                }

                @Override
                public void click(Click click) throws IOException {
                    clicks.write(click);
                }

                @Override
                public void conversion(Conversion conversion) throws IOException {
                    conversions.write(conversion);
                }
            }, outcomes);
            writeManifest(dir.resolve("generator-manifest.json"), summary);
            return summary;
        }
    }

    /** Runs the stream once: {@code callback} and {@code sink} may each be null. */
    public GeneratorSummary run(ImpressionCallback callback, EventSink sink) throws IOException {
        return run(callback, sink, null);
    }

    private GeneratorSummary run(ImpressionCallback callback, EventSink sink, OutcomeWriter outcomes)
            throws IOException {
        GeneratorConfig c = config;
        SplittableRandom r = new SplittableRandom(mix(c.streamSeed ^ 0x632BE59BD9B4E019L));
        GeneratorSummary summary = new GeneratorSummary();
        EventHeap pending = new EventHeap();
        Draw d = new Draw();
        Catalogue catalogue = new Catalogue();
        // New items arrive as a Poisson process fixed by the world's seed (not the stream seed).
        SplittableRandom arrivals = new SplittableRandom(mix(c.seed ^ ARRIVAL_SALT));
        double arrivalGapMs = c.newItemsPerDay > 0 ? GeneratorConfig.DAY_MS / c.newItemsPerDay : 0;
        double nextArrival = c.newItemsPerDay > 0
                ? c.startTs + arrivals.nextExponential() * arrivalGapMs : Double.POSITIVE_INFINITY;
        double radiansPerMs = 2 * Math.PI / (c.cvrDriftPeriodDays * GeneratorConfig.DAY_MS);
        double clock = c.startTs;
        long prevTs = Long.MIN_VALUE;
        double clickMu = Math.log(c.clickDelayMedianMs);
        double fastMu = Math.log(c.conversionFastMedianMs);
        double slowMu = Math.log(c.conversionSlowMedianMs);
        for (long n = 1; n <= c.impressions; n++) {
            if (n > 1) {
                clock += r.nextExponential() * c.meanInterArrivalMs;
            }
            long ts = Math.max(prevTs + 1, (long) clock);
            prevTs = ts;
            while (nextArrival <= ts) {
                catalogue.add((long) Math.ceil(nextArrival), arrivals);
                summary.newItems++;
                nextArrival += arrivals.nextExponential() * arrivalGapMs;
            }
            if (c.popularityShiftPerDay > 0) {
                catalogue.rotate(c.popularityShiftPerDay * (ts - c.startTs) / GeneratorConfig.DAY_MS);
            }
            draw(r, d, catalogue);
            double p = sigmoid(interceptP + d.zP);
            double q;
            if (c.cvrDriftAmplitude > 0) {
                // The drifted world at the impression's event time: truth.cvr is exactly this q.
                q = sigmoid(interceptQ + d.zQ
                        + c.cvrDriftAmplitude * Math.sin(radiansPerMs * (ts - c.startTs) + itemPhase[d.item]));
            } else {
                q = sigmoid(interceptQ + d.zQ);
            }
            summary.sumP += p;
            summary.sumQ += q;

            Click click = null;
            Conversion conversion = null;
            int clickLabel = 0;
            int conversionLabel = 0;
            long clickDelay = 0;
            long conversionDelay = 0;
            String id = c.idPrefix + n;
            if (r.nextDouble() < p) {
                clickDelay = delay(clickMu + c.clickDelaySigma * r.nextGaussian());
                click = new Click(id, ts + clickDelay);
                summary.clickEvents++;
                summary.sumQClicked += q;
                clickLabel = clickDelay <= c.clickWindowMs ? 1 : 0;
                if (clickLabel == 0) {
                    summary.clicksOutsideWindow++;
                }
                if (r.nextDouble() < q) {
                    double mu = r.nextDouble() < c.conversionFastFraction ? fastMu : slowMu;
                    conversionDelay = delay(mu + c.conversionDelaySigma * r.nextGaussian());
                    conversion = new Conversion(id, click.ts + conversionDelay);
                    summary.conversionEvents++;
                    summary.addConversionDelay(conversionDelay);
                    // Censored as the label join censors: [0, attributionWindowMs] inclusive, after the click.
                    boolean inWindow = conversionDelay <= c.attributionWindowMs;
                    if (!inWindow) {
                        summary.conversionsAfterAttributionWindow++;
                    }
                    conversionLabel = clickLabel == 1 && inWindow ? 1 : 0;
                    if (conversionLabel == 0) {
                        summary.conversionsNotLabeled++;
                    }
                }
            }
            summary.impressions++;
            summary.labeledClicks += clickLabel;
            summary.labeledConversions += conversionLabel;
            if (n == 1) {
                summary.firstTs = ts;
            }
            summary.lastTs = ts;

            Features features = features(d);
            Truth truth = new Truth(p, q);
            Impression impression = new Impression(id, ts, features, truth);
            if (sink != null) {
                while (!pending.isEmpty() && pending.peekTs() <= ts) {
                    emit(sink, pending.pop());
                }
                sink.impression(impression);
                if (click != null) {
                    pending.push(click.ts, click);
                }
                if (conversion != null) {
                    pending.push(conversion.ts, conversion);
                }
            }
            if (callback != null) {
                callback.accept(impression, click, conversion,
                        new LabeledSample(id, ts, clickLabel, conversionLabel, features, truth));
            }
            if (outcomes != null) {
                outcomes.write(id, ts, itemIds[d.item], catalogue.arrivalTs(d.item), clickLabel, conversionLabel,
                        click != null, clickDelay, conversion != null, conversionDelay);
            }
        }
        while (sink != null && !pending.isEmpty()) {
            emit(sink, pending.pop());
        }
        return summary;
    }

    private static void emit(EventSink sink, Object event) throws IOException {
        if (event instanceof Click) {
            sink.click((Click) event);
        } else {
            sink.conversion((Conversion) event);
        }
    }

    private Features features(Draw d) {
        int u = d.user;
        int i = d.item;
        String[] cat = {
            userIds[u], itemIds[i], ages[userAge[u]], genders[userGender[u]], cities[userCity[u]],
            categories[itemCategory[i]], brands[itemBrand[i]], shops[itemShop[i]]
        };
        Features f = new Features();
        f.catNames = CAT_NAMES;
        f.catValues = cat;
        if (config.multiValuedFeatures) {
            String[] hist = new String[d.histLen];
            for (int k = 0; k < d.histLen; k++) {
                hist[k] = categories[d.hist[k]];
            }
            f.multiNames = MULTI_NAMES;
            f.multiValues = new String[][] {hist};
        }
        if (config.numericFeatures) {
            f.numNames = NUM_NAMES;
            f.numValues = new double[] {d.price};
        }
        return f;
    }

    /** Draws one impression context from the catalogue as it is now, and its logits without intercepts. */
    private void draw(SplittableRandom r, Draw d, Catalogue catalogue) {
        int u = pick(userCdf, r.nextDouble(), userCdf.length);
        int item;
        if (r.nextBoolean()) {
            int category = userFavourites[u * FAVOURITES + r.nextInt(FAVOURITES)];
            int size = catalogue.poolSize[category];
            item = size > 0 ? catalogue.pools[category][r.nextInt(size)] : catalogue.popular(r.nextDouble());
        } else {
            item = catalogue.popular(r.nextDouble());
        }
        int category = itemCategory[item];
        // hist_cats: a random subset (1-5) of the user's favourite categories, by partial Fisher-Yates.
        d.histLen = 1 + r.nextInt(FAVOURITES);
        for (int k = 0; k < FAVOURITES; k++) {
            d.perm[k] = k;
        }
        boolean match = false;
        for (int k = 0; k < d.histLen; k++) {
            int j = k + r.nextInt(FAVOURITES - k);
            int t = d.perm[k];
            d.perm[k] = d.perm[j];
            d.perm[j] = t;
            d.hist[k] = userFavourites[u * FAVOURITES + d.perm[k]];
            match |= d.hist[k] == category;
        }
        if (!config.multiValuedFeatures) {
            match = false; // not observable, so it must not drive p or q
        }
        double price = itemPrice[item];
        if (config.numericFeatures) {
            price *= 1 - 0.1 * r.nextInt(3);
        }
        price = Math.max(0.01, Math.round(price * 100) / 100.0);
        double logPrice = Math.log(price / MEDIAN_PRICE);
        double uv = 0;
        double uw = 0;
        int uo = u * dim;
        int io = item * dim;
        for (int k = 0; k < dim; k++) {
            uv += userLatent[uo + k] * itemShared[io + k];
            uw += userLatent[uo + k] * itemOwn[io + k];
        }
        double m = match ? 1 : 0;
        d.user = u;
        d.item = item;
        d.price = price;
        d.zP = uv + userBiasP[u] + itemBiasP[item] + categoryBiasP[category] + 0.8 * m - 0.15 * logPrice;
        d.zQ = config.selectionBias * uv + 0.8 * uw + userBiasQ[u] + itemBiasQ[item] + categoryBiasQ[category]
                + ageBiasQ[userAge[u]] + 0.3 * m - 0.35 * logPrice;
    }

    /**
     * Draws the attributes of item {@code j} if not yet drawn: new items are drawn in index order from their
     * own stream of the world, from the same prior as the initial items, so item j is the same in every run.
     */
    private void ensureItem(int j) {
        if (j < drawnItems) {
            return;
        }
        if (j != drawnItems) {
            throw new IllegalStateException("items must be drawn in index order: " + j + " after " + drawnItems);
        }
        if (j == itemBiasP.length) {
            int cap = Math.max(16, 2 * j);
            itemShared = Arrays.copyOf(itemShared, cap * dim);
            itemOwn = Arrays.copyOf(itemOwn, cap * dim);
            itemBiasP = Arrays.copyOf(itemBiasP, cap);
            itemBiasQ = Arrays.copyOf(itemBiasQ, cap);
            itemCategory = Arrays.copyOf(itemCategory, cap);
            itemBrand = Arrays.copyOf(itemBrand, cap);
            itemShop = Arrays.copyOf(itemShop, cap);
            itemPrice = Arrays.copyOf(itemPrice, cap);
            itemPhase = Arrays.copyOf(itemPhase, cap);
            itemIds = Arrays.copyOf(itemIds, cap);
        }
        SplittableRandom w = newItemWorld;
        double scale = Math.pow(dim, -0.25);
        for (int k = 0; k < dim; k++) {
            itemShared[j * dim + k] = scale * w.nextGaussian();
        }
        for (int k = 0; k < dim; k++) {
            itemOwn[j * dim + k] = scale * w.nextGaussian();
        }
        itemBiasP[j] = 0.4 * w.nextGaussian();
        itemBiasQ[j] = 0.4 * w.nextGaussian();
        itemCategory[j] = w.nextInt(CATEGORIES);
        itemBrand[j] = w.nextInt(BRANDS);
        itemShop[j] = w.nextInt(SHOPS);
        itemPrice[j] = MEDIAN_PRICE * Math.exp(0.8 * w.nextGaussian());
        itemPhase[j] = 2 * Math.PI * w.nextDouble();
        itemIds[j] = "i" + j;
        drawnItems = j + 1;
    }

    /**
     * The catalogue of one run as it moves: which items exist, their popularity ranking (a Zipf law over ranks,
     * rank k showing item {@code rankItem[(k + shift) mod n]}) and the per-category pools. Starts as the world's
     * initial catalogue, where it is exactly the fixed world of a run without drift.
     */
    private final class Catalogue {
        private final int initialItems = itemCdf.length;
        int n = initialItems;
        int[] rankItem = new int[n];
        /** Zipf CDF over ranks, normalised over the initial items; new ranks extend it past 1. */
        double[] cdf = itemCdf.clone();
        final int[][] pools = new int[CATEGORIES][];
        final int[] poolSize = new int[CATEGORIES];
        long[] arrivals = new long[0];
        int shift;

        Catalogue() {
            for (int i = 0; i < n; i++) {
                rankItem[i] = i;
            }
            for (int k = 0; k < CATEGORIES; k++) {
                pools[k] = itemsByCategory[k].clone();
                poolSize[k] = pools[k].length;
            }
        }

        /** An item by popularity, {@code x} uniform in [0, 1). With n = initialItems, cdf[n − 1] = 1 exactly. */
        int popular(double x) {
            int pos = pick(cdf, x * cdf[n - 1], n) + shift;
            return rankItem[pos >= n ? pos - n : pos];
        }

        /** Rotates the ranking to {@code shares} catalogues' worth of ranks from the start. */
        void rotate(double shares) {
            shift = (int) ((long) Math.floor(shares * n) % n);
        }

        /** Adds the next new item at a uniformly random rank; the item that held it moves to the new last rank. */
        void add(long arrivalTs, SplittableRandom random) {
            int j = n;
            ensureItem(j);
            if (j == rankItem.length) {
                rankItem = Arrays.copyOf(rankItem, 2 * j);
                cdf = Arrays.copyOf(cdf, 2 * j);
            }
            int pos = random.nextInt(j);
            rankItem[j] = rankItem[pos];
            rankItem[pos] = j;
            cdf[j] = cdf[j - 1] + Math.pow(j + 1, -ITEM_ZIPF) * itemCdf[0]; // itemCdf[0] = 1 / Σ k^-s
            int category = itemCategory[j];
            if (poolSize[category] == pools[category].length) {
                pools[category] = Arrays.copyOf(pools[category], Math.max(4, 2 * poolSize[category]));
            }
            pools[category][poolSize[category]++] = j;
            int a = j - initialItems;
            if (a == arrivals.length) {
                arrivals = Arrays.copyOf(arrivals, Math.max(16, 2 * a));
            }
            arrivals[a] = arrivalTs;
            n++;
        }

        /** When item {@code item} arrived, or null for an initial item. */
        Long arrivalTs(int item) {
            return item < initialItems ? null : arrivals[item - initialItems];
        }
    }

    private void writeManifest(Path file, GeneratorSummary summary) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file));
                JsonGenerator g = new JsonFactory().createGenerator(out).useDefaultPrettyPrinter()) {
            g.writeStartObject();
            g.writeNumberField("version", 1);
            g.writeObjectFieldStart("config");
            for (Map.Entry<String, Object> e : config.toMap().entrySet()) {
                Object v = e.getValue();
                if (v instanceof String) {
                    g.writeStringField(e.getKey(), (String) v);
                } else if (v instanceof Boolean) {
                    g.writeBooleanField(e.getKey(), (Boolean) v);
                } else if (v instanceof Double) {
                    g.writeNumberField(e.getKey(), (Double) v);
                } else {
                    g.writeNumberField(e.getKey(), ((Number) v).longValue());
                }
            }
            g.writeEndObject();
            g.writeNumberField("seed", config.seed);
            g.writeNumberField("stream_seed", config.streamSeed);
            g.writeObjectFieldStart("calibration");
            g.writeNumberField("click_intercept", interceptP);
            g.writeNumberField("conversion_intercept", interceptQ);
            g.writeEndObject();
            g.writeFieldName("counts");
            summary.writeJson(g);
            g.writeFieldName("realised");
            summary.writeRates(g);
            g.writeFieldName("conversion_delay");
            summary.writeDelays(g, config);
            g.writeObjectFieldStart("features");
            g.writeFieldName("categorical");
            g.writeArray(CAT_NAMES, 0, CAT_NAMES.length);
            g.writeFieldName("multi_valued");
            g.writeArray(config.multiValuedFeatures ? MULTI_NAMES : Features.NO_STRINGS, 0,
                    config.multiValuedFeatures ? 1 : 0);
            g.writeFieldName("numeric");
            g.writeArray(config.numericFeatures ? NUM_NAMES : Features.NO_STRINGS, 0, config.numericFeatures ? 1 : 0);
            g.writeEndObject();
            g.writeEndObject();
        }
    }

    private static JsonLinesWriter writer(Path file) throws IOException {
        return new JsonLinesWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
    }

    /**
     * Scrambles a user seed (Stafford's mix13). SplittableRandom(s) walks s + k·γ with one fixed γ, so
     * unscrambled seeds s and s + γ·j would give the same stream shifted by j draws.
     */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static long delay(double logMs) {
        return Math.max(1L, Math.round(Math.min(MAX_DELAY_MS, Math.exp(logMs))));
    }

    /** σ(x) = 1 / (1 + e^−x). */
    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double meanSigmoid(double[] z, double a) {
        double s = 0;
        for (double v : z) {
            s += sigmoid(a + v);
        }
        return s / z.length;
    }

    /** The root in [−40, 40] of an increasing function, by 100 bisection steps. */
    private static double bisect(java.util.function.DoubleUnaryOperator f) {
        double lo = -40;
        double hi = 40;
        for (int k = 0; k < 100 && hi - lo > 1e-12; k++) {
            double mid = 0.5 * (lo + hi);
            if (f.applyAsDouble(mid) < 0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    private static double[] gaussians(SplittableRandom r, int n, double sd) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = sd * r.nextGaussian();
        }
        return x;
    }

    /** Cumulative Zipf(s) probabilities over ranks 1..n. */
    private static double[] zipfCdf(int n, double s) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += Math.pow(k + 1, -s);
            cdf[k] = sum;
        }
        for (int k = 0; k < n; k++) {
            cdf[k] /= sum;
        }
        return cdf;
    }

    /** The first index in [0, n) whose cumulative probability exceeds {@code x} (n − 1 if none does). */
    private static int pick(double[] cdf, double x, int n) {
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] > x) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private static String[] names(String prefix, int n) {
        String[] s = new String[n];
        for (int i = 0; i < n; i++) {
            s[i] = prefix + i;
        }
        return s;
    }
}
