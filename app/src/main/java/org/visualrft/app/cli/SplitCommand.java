package org.visualrft.app.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.visualrft.core.io.OutputPaths;
import org.visualrft.core.data.CategorySplits;
import org.visualrft.core.data.CocoDetectionSamples;
import org.visualrft.core.data.ImageFolderDataset;
import org.visualrft.core.data.ImageRef;
import org.visualrft.core.data.JsonlDatasetReader;
import org.visualrft.core.data.JsonlDatasetWriter;
import org.visualrft.core.data.KShotSplit;
import org.visualrft.core.data.Sample;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.prompt.VisualRftPrompts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code visual-rft split}: a seeded, reproducible k-shot subset per class, with a manifest of what it chose. */
@Command(name = "split", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, description =
        "Draw a k-shot training subset: K samples per class, seeded and reproducible, written as ViRFT JSONL with a"
                + " manifest (<output>.manifest.json) naming every chosen sample. Input: a ViRFT JSONL file, an image folder"
                + " (ROOT/<class>/<image>) or a COCO/LVIS ground-truth JSON (one sample per image and category).")
public final class SplitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "JSONL file, image folder or COCO/LVIS JSON.")
    Path input;

    @Option(names = "--shots", required = true, paramLabel = "K", description = "Samples per class.")
    int shots;

    @Option(names = "--seed", required = true, paramLabel = "S", description = "Seed of the draw.")
    long seed;

    @Option(names = "--output", required = true, paramLabel = "OUT.jsonl", description = "Where to write the subset.")
    Path output;

    @Option(names = "--problem", paramLabel = "TEXT", defaultValue = "",
            description = "Image folders: the prompt every sample gets (default: empty).")
    String problem;

    @Option(names = "--images", paramLabel = "DIR",
            description = "COCO/LVIS input: the image root (default: the JSON file's folder).")
    Path images;

    @Option(names = "--categories", paramLabel = "NAMES",
            description = "COCO/LVIS input: keep only these categories, by name (comma-separated) or one of "
                    + "coco-few-shot-8, coco-novel-15, coco-base-65, coco-all-80, lvis-few-shot-6, lvis-open-vocab-13.")
    String categories;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (shots <= 0) {
            throw new BadInputException("--shots", "must be positive, got " + shots);
        }
        Path manifestFile = manifestPath(output);
        OutputPaths.requireFileTarget("--output", output);
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("--input", input);
        if (images != null) {
            inputs.put("--images", images);
        }
        OutputPaths.refuseOverwritingInput("--output", output, inputs);
        OutputPaths.refuseOverwritingInput("the manifest (" + manifestFile.getFileName() + ")", manifestFile, inputs);
        if (Files.isDirectory(input) && output.toAbsolutePath().normalize().startsWith(
                input.toAbsolutePath().normalize())) {
            throw new BadInputException(output, "--output lies inside the --input image folder; it would be read"
                    + " as part of the dataset next time; choose a path outside it");
        }
        List<Sample> pool = load();
        if (pool.isEmpty()) {
            throw new BadInputException(input, "no samples" + (categories != null ? " of the chosen categories" : "")
                    + ", so nothing to draw from");
        }
        KShotSplit.Result r = KShotSplit.build(pool, Sample::classLabel, shots, seed, input.toString());
        requireImageFiles(r.samples(), input);
        Path manifest = manifestPath(output);
        JsonlDatasetWriter.write(output, r.samples());
        r.manifest().write(manifest);
        out.printf("%d-shot split (seed %d): %d of %d samples over %d classes -> %s (manifest %s)%n", shots, seed,
                r.samples().size(), pool.size(), r.manifest().classes().size(), output, manifest);
        List<String> shortClasses = r.manifest().shortClasses();
        if (!shortClasses.isEmpty()) {
            err.printf("visual-rft split: warning: %d class(es) have fewer than %d samples and were taken whole: %s%n",
                    shortClasses.size(), shots, shortClasses.size() <= 10 ? shortClasses
                            : shortClasses.subList(0, 10) + " ...");
        }
        out.flush();
        err.flush();
        return ExitCodes.OK;
    }

    /**
     * Every chosen image file exists (COCO/LVIS input names images by file_name under --images; a wrong root would
     * write a dataset that the JSON Lines reader, and so training, refuses).
     */
    static void requireImageFiles(List<Sample> samples, Path source) {
        for (Sample s : samples) {
            if (s.image() instanceof ImageRef.File f && !Files.isRegularFile(f.path())) {
                throw new BadInputException(source, "image " + s.columns().getOrDefault("image_id", s.id())
                        + ": file not found: " + f.path());
            }
        }
    }

    static Path manifestPath(Path output) {
        String name = output.getFileName().toString();
        String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - ".jsonl".length()) : name;
        return output.resolveSibling(stem + ".manifest.json");
    }

    private List<Sample> load() {
        boolean coco = !Files.isDirectory(input) && !input.getFileName().toString().endsWith(".jsonl");
        if (categories != null && !coco) { // it would be ignored: the user would get an unfiltered split
            throw new BadInputException("--categories", "filters COCO/LVIS input only; " + input
                    + " is " + (Files.isDirectory(input) ? "an image folder" : "a JSON Lines file"));
        }
        if (Files.isDirectory(input)) {
            return ImageFolderDataset.read(input, problem);
        }
        if (input.getFileName().toString().endsWith(".jsonl")) {
            return JsonlDatasetReader.read(input);
        }
        CocoGroundTruth gt = CocoGroundTruth.read(input);
        Path root = images != null ? images : input.toAbsolutePath().getParent();
        Function<String, String> prompt = name -> VisualRftPrompts.detection(name, true);
        List<Sample> all = CocoDetectionSamples.build(gt, root, prompt, input.toString());
        if (categories == null) {
            return all;
        }
        List<String> names = CategorySplits.NAMED.getOrDefault(categories, Arrays.asList(categories.split(",")));
        Set<Long> keep = new HashSet<>(CategorySplits.resolve(gt, names.stream().map(String::strip).toList(),
                input.toString()));
        return all.stream().filter(s -> keep.contains(Long.parseLong(s.columns().get("category_id")))).toList();
    }
}
