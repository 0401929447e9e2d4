package io.counterflow.jobs.cli;

import io.counterflow.model.sim.Generator;
import io.counterflow.model.sim.GeneratorConfig;
import io.counterflow.model.sim.GeneratorSummary;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** counterflow generate: simulated events and labeled samples with ground truth (CONTRACT.md). */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write simulated impressions.jsonl, clicks.jsonl, conversions.jsonl (event-time order) and "
                + "samples.jsonl (the labels an event-time join produces), all carrying truth {ctr, cvr}.")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--impressions", defaultValue = "100000", description = "Impressions (default ${DEFAULT-VALUE}).")
    long impressions;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the simulated world (users, items, "
            + "propensities); default ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--stream-seed", description = "Seed of the impression stream (default: --seed). Same --seed "
            + "with another --stream-seed gives a held-out set from the same world.")
    Long streamSeed;

    @Option(names = "--start-ts", description = "Event time of the first impression (epoch ms).")
    Long startTs;

    @Option(names = "--id-prefix", description = "Prefix of impression ids.")
    String idPrefix;

    @Option(names = "--click-rate", description = "Target click rate (default 0.04).")
    Double clickRate;

    @Option(names = "--cvr", description = "Target conversion rate among clicks (default 0.10).")
    Double cvr;

    @Option(names = "--selection-bias", description = "Strength of the p–q correlation (0 = none; default 1).")
    Double selectionBias;

    @Option(names = "--users", description = "Users in the world (default 10000). Fewer users means more impressions "
            + "per user, so the user-item affinity that drives both clicks and conversions becomes learnable.")
    Integer users;

    @Option(names = "--items", description = "Items in the world (default 2000).")
    Integer items;

    @Option(names = "--latent-dim", description = "Dimension of the user and item latent factors (default 8).")
    Integer latentDim;

    @Override
    public Integer call() throws Exception {
        CliInputs.outputDirectory("--out", out);
        GeneratorConfig.Builder b = GeneratorConfig.builder().impressions(impressions).seed(seed);
        if (streamSeed != null) {
            b.streamSeed(streamSeed);
        }
        if (startTs != null) {
            b.startTs(startTs);
        }
        if (idPrefix != null) {
            b.idPrefix(idPrefix);
        }
        if (clickRate != null) {
            b.clickRate(clickRate);
        }
        if (cvr != null) {
            b.cvrAmongClicks(cvr);
        }
        if (selectionBias != null) {
            b.selectionBias(selectionBias);
        }
        if (users != null) {
            b.users(users);
        }
        if (items != null) {
            b.items(items);
        }
        if (latentDim != null) {
            b.latentDim(latentDim);
        }
        long t0 = System.nanoTime();
        GeneratorSummary s = new Generator(b.build()).writeTo(out);
        double sec = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "wrote %,d impressions to %s in %.1f s: CTR %.4f, CVR among clicks %.4f, "
                + "mean q %.4f overall vs %.4f among clicked%n", s.impressions, out, sec, s.ctr(), s.cvrAmongClicks(),
                s.meanQ(), s.meanQClicked());
        return 0;
    }
}
