package org.visualrft.app.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.visualrft.core.BadInputException;
import org.visualrft.core.ExitCodes;
import org.visualrft.core.io.AtomicFile;
import org.visualrft.core.io.OutputPaths;
import org.visualrft.core.data.CategorySplits;
import org.visualrft.core.data.CocoDetectionSamples;
import org.visualrft.core.data.CocoNegatives;
import org.visualrft.core.data.ImageRef;
import org.visualrft.core.data.JsonlDatasetWriter;
import org.visualrft.core.data.KShotSplit;
import org.visualrft.core.data.Sample;
import org.visualrft.core.data.SplitManifest;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.prompt.VisualRftPrompts;
import org.visualrft.train.data.parquet.ParquetDatasetWriter;
import org.visualrft.train.data.ReasonSegSamples;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code visual-rft build-dataset}: a detection training set from COCO or LVIS instances JSON and an image folder,
 * the paper's way: one sample per (image, category) with the paper's detection prompt naming the category and every
 * box of it in 0–1000 coordinates; optionally k shots per category and negatives ({@code No Objects}), seeded, with a
 * manifest; written as ViRFT JSONL (image paths) or Hugging Face layout parquet (image bytes inside). With
 * {@code --reasonseg DIR}, the paper's reasoning-grounding (LISA) set from a ReasonSeg folder instead
 * ({@link ReasonSegSamples}).
 */
@Command(name = "build-dataset", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, description =
        "Build a detection training set from COCO/LVIS instances JSON and an image folder: one sample per image and"
                + " category (the paper's detection prompt, boxes in 0-1000), optionally K shots per category and negatives"
                + " (\"No Objects\"), seeded, with a manifest (<output>.manifest.json). Output: .jsonl (ViRFT, image paths) or"
                + " .parquet (Hugging Face layout, image bytes inside). With --reasonseg DIR: the reasoning-grounding"
                + " (LISA) set from a ReasonSeg folder, one sample per instruction.")
public final class BuildDatasetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--annotations", paramLabel = "FILE",
            description = "COCO or LVIS instances JSON (e.g. instances_train2017.json, lvis_v1_train.json).")
    Path annotations;

    @Option(names = "--reasonseg", paramLabel = "DIR", description = "Instead of --annotations: a ReasonSeg folder"
            + " (<name>.jpg and <name>.json with text, shapes, is_sentence): one grounding sample per instruction, the"
            + " box the first polygon's extent, the paper's LISA training prompt.")
    Path reasonseg;

    @Option(names = "--first-instruction", description = "With --reasonseg: one sample per image, its first"
            + " instruction (what the LISA evaluation script asks; for a test or val set).")
    boolean firstInstruction;

    @Option(names = "--images", paramLabel = "DIR",
            description = "Image root: COCO file_name, or LVIS coco_url's last two parts, below it"
                    + " (default: the JSON file's folder).")
    Path images;

    @Option(names = "--output", required = true, paramLabel = "OUT", description = "OUT.jsonl or OUT.parquet.")
    Path output;

    @Option(names = "--categories", paramLabel = "NAMES",
            description = "Categories by name (comma-separated) or one of coco-few-shot-8, coco-base-65 (open"
                    + " vocabulary: train on base), coco-novel-15 (evaluate on novel), coco-all-80, lvis-few-shot-6,"
                    + " lvis-open-vocab-13 (default: all).")
    String categories;

    @Option(names = "--shots", paramLabel = "K", description = "Samples per category (default: all).")
    Integer shots;

    @Option(names = "--negatives", paramLabel = "N", defaultValue = "0",
            description = "Negative samples per category (images without it, answer \"No Objects\"; LVIS: images"
                    + " that list it in neg_category_ids) (default: ${DEFAULT-VALUE}).")
    int negatives;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the draws (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-thinking", description = "Prompt without the <think> instruction.")
    boolean noThinking;

    @Override
    public Integer call() throws IOException {
        String name = output.getFileName().toString();
        boolean parquet = name.endsWith(".parquet");
        if (!parquet && !name.endsWith(".jsonl")) {
            throw new BadInputException("--output", "must end in .jsonl or .parquet, found " + output);
        }
        if ((annotations == null) == (reasonseg == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give one of --annotations (COCO/LVIS) and"
                    + " --reasonseg (ReasonSeg)");
        }
        if (reasonseg != null) {
            return reasonSeg(parquet);
        }
        if (firstInstruction) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--first-instruction goes with --reasonseg");
        }
        if (shots != null && shots <= 0) {
            throw new BadInputException("--shots", "must be positive, got " + shots);
        }
        if (negatives < 0) {
            throw new BadInputException("--negatives", "must be 0 or more, got " + negatives);
        }
        Path root = images != null ? images : annotations.toAbsolutePath().getParent();
        if (!Files.isDirectory(root)) {
            throw new BadInputException(root, "no such image folder");
        }
        checkOutputs(Map.of("--annotations", annotations));
        CocoGroundTruth gt = CocoGroundTruth.read(annotations);
        Function<String, String> prompt = c -> VisualRftPrompts.detection(c, !noThinking);
        Set<Long> keep = selected(gt);
        List<Sample> positives = CocoDetectionSamples.build(gt, root, prompt, annotations.toString()).stream()
                .filter(s -> keep.contains(Long.parseLong(s.columns().get("category_id")))).toList();
        Function<Sample, String> category = s -> s.columns().get("category");
        List<Sample> chosen = new ArrayList<>();
        Map<String, SplitManifest.ClassDraw> classes = new LinkedHashMap<>();
        int pool = positives.size();
        draw(positives, category, shots, chosen, classes);
        if (negatives > 0) { // drawn before being built: COCO has ~9M (image, category) negatives
            KShotSplit.Result r = CocoNegatives.draw(gt, keep, root, prompt, negatives, seed, annotations.toString());
            pool += r.manifest().poolSize();
            chosen.addAll(r.samples());
            classes.putAll(r.manifest().classes());
        }
        if (chosen.isEmpty()) {
            throw new BadInputException(annotations, "no sample for the chosen categories");
        }
        SplitCommand.requireImageFiles(chosen, annotations);
        if (parquet) {
            writeParquet(chosen, List.of("id", "task", "image_id", "category_id", "category", "label"), root());
        } else {
            JsonlDatasetWriter.write(output, chosen);
        }
        Path manifest = SplitCommand.manifestPath(output);
        new SplitManifest(annotations.toString(), shots == null ? 0 : shots, seed, pool, chosen.size(), classes)
                .write(manifest);
        PrintWriter out = spec.commandLine().getOut();
        long neg = chosen.stream().filter(s -> s.solution().equals(CocoNegatives.SOLUTION)).count();
        out.printf("%d samples (%d positive, %d negative) over %d categories -> %s (manifest %s)%n", chosen.size(),
                chosen.size() - neg, neg, keep.size(), output, manifest);
        out.flush();
        return ExitCodes.OK;
    }

    /** The reasoning-grounding set of a ReasonSeg folder; the COCO options do not apply. */
    private Integer reasonSeg(boolean parquet) throws IOException {
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        for (String coco : new String[] {"--images", "--categories", "--shots", "--negatives", "--seed"}) {
            if (given.hasMatchedOption(coco)) {
                throw new CommandLine.ParameterException(spec.commandLine(), coco + " does not apply to --reasonseg"
                        + " (every instruction of every image is a sample; --first-instruction keeps the first)");
            }
        }
        checkOutputs(Map.of("--reasonseg", reasonseg));
        if (output.toAbsolutePath().normalize().startsWith(reasonseg.toAbsolutePath().normalize())) {
            throw new BadInputException(output, "--output lies inside the --reasonseg folder; choose a path outside it");
        }
        List<Sample> samples = ReasonSegSamples.build(reasonseg, !noThinking, firstInstruction);
        if (parquet) {
            writeParquet(samples, List.of("id", "task", "instruction", "is_sentence", "box"), reasonseg);
        } else {
            JsonlDatasetWriter.write(output, samples);
        }
        Path manifest = SplitCommand.manifestPath(output);
        List<String> ids = samples.stream().map(Sample::id).toList();
        new SplitManifest(reasonseg.toString(), 0, 0, ids.size(), ids.size(),
                Map.of("grounding", new SplitManifest.ClassDraw(ids.size(), ids))).write(manifest);
        PrintWriter out = spec.commandLine().getOut();
        long images = samples.stream().map(s -> ((ImageRef.File) s.image()).path()).distinct().count();
        out.printf("%d grounding samples from %d images -> %s (manifest %s)%n", samples.size(), images, output,
                manifest);
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * The output and its manifest, checked before anything is read (the annotations of a large set take a while):
     * neither may be a folder, lie below a file, or be the annotations file (a missing folder is made when writing).
     */
    private void checkOutputs(Map<String, Path> inputs) {
        Path manifest = SplitCommand.manifestPath(output);
        OutputPaths.requireFileTarget("--output", output);
        OutputPaths.requireFileTarget("the manifest (" + manifest.getFileName() + ")", manifest);
        OutputPaths.refuseOverwritingInput("--output", output, inputs);
        OutputPaths.refuseOverwritingInput("the manifest (" + manifest.getFileName() + ")", manifest, inputs);
    }

    /** k per class by {@link KShotSplit} (all when k is null), appended to {@code chosen} and the manifest. */
    private void draw(List<Sample> pool, Function<Sample, String> classOf, Integer k, List<Sample> chosen,
            Map<String, SplitManifest.ClassDraw> classes) {
        if (pool.isEmpty()) {
            return;
        }
        KShotSplit.Result r = KShotSplit.build(pool, classOf, k == null ? Integer.MAX_VALUE : k, seed,
                annotations.toString());
        chosen.addAll(r.samples());
        classes.putAll(r.manifest().classes());
    }

    private Set<Long> selected(CocoGroundTruth gt) {
        if (categories == null) {
            Set<Long> all = new HashSet<>();
            gt.categories().forEach(c -> all.add(c.id()));
            return all;
        }
        List<String> names = CategorySplits.NAMED.getOrDefault(categories, Arrays.asList(categories.split(",")));
        return new HashSet<>(CategorySplits.resolve(gt, names.stream().map(String::strip).toList(),
                annotations.toString()));
    }

    /** {@code extra}: the columns besides image, problem and solution, id and task first; image paths below {@code root}. */
    private void writeParquet(List<Sample> samples, List<String> extra, Path root) throws IOException {
        ParquetDatasetWriter opened;
        try { // missing folders are made, as for every other output
            Files.createDirectories(output.toAbsolutePath().getParent());
            opened = new ParquetDatasetWriter(output, extra);
        } catch (IOException e) {
            throw AtomicFile.cannotBeWritten(output, e);
        }
        try (ParquetDatasetWriter w = opened) {
            try {
                for (Sample s : samples) {
                    Path img = ((ImageRef.File) s.image()).path();
                    Map<String, String> cols = new LinkedHashMap<>();
                    cols.put("id", s.id());
                    cols.put("task", s.task());
                    for (String c : extra.subList(2, extra.size())) {
                        cols.put(c, s.columns().get(c));
                    }
                    w.write(Files.readAllBytes(img), root.toAbsolutePath().relativize(img.toAbsolutePath()).toString(),
                            s.problem(),
                            s.solution(), cols);
                }
            } catch (IOException | RuntimeException e) {
                w.abandon();
                throw e;
            }
        }
    }

    private Path root() {
        return (images != null ? images : annotations.toAbsolutePath().getParent()).toAbsolutePath();
    }
}
