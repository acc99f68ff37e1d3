package org.visualrft.app.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.visualrft.core.BadInputException;
import org.visualrft.core.ExitCodes;
import org.visualrft.core.io.OutputPaths;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.lora.PeftFolder;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code merge}: a PEFT LoRA folder (TRL's or a run's) merged into its base model and written as a plain Hugging Face
 * folder, what PEFT's {@code merge_and_unload()} then {@code save_pretrained} give: {@code W + scale·B·A} in the base's
 * dtype, the base's config and tokenizer and processor files. The folder is written beside {@code --out} and moved
 * into place whole, so a failure leaves no half-written model.
 */
@Command(name = "merge", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Merge a PEFT LoRA adapter folder into its base model and write a plain Hugging Face model"
                + " folder (PEFT's merge_and_unload + save_pretrained).")
public final class MergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The base model folder the adapters"
            + " were trained on.")
    Path model;

    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "A PEFT LoRA folder"
            + " (adapter_config.json, adapter_model.safetensors).")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The merged model folder to write"
            + " (absent or empty; never overwritten).")
    Path out;

    @Override
    public Integer call() {
        OutputPaths.requireFolderOrAbsent("--out", out);
        if (Files.isDirectory(out) && !isEmpty(out)) {
            throw new BadInputException(out, "--out holds files; merge never overwrites a folder: choose another --out");
        }
        LoraConfig lora = PeftFolder.config(adapter); // a folder that is not an adapter: one line before any work
        Path parent = out.toAbsolutePath().getParent();
        Path staging = parent.resolve("." + out.getFileName() + ".merging-" + ProcessHandle.current().pid());
        try (Policy merged = ModelLoader.load(model, LoadOptions.on(Device.CPU), adapter)) {
            merged.save(staging); // adapters merged into their projections, in the base's dtype
            Files.deleteIfExists(out); // an empty folder only (checked above)
            Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(staging);
        }
        PrintWriter console = spec.commandLine().getOut();
        console.printf("merge: LoRA r%d (alpha %s%s) on %s from %s merged into %s, written to %s%n", lora.rank(),
                trim(lora.alpha()), lora.rslora() ? ", rsLoRA" : "", lora.describeTargets()
                + (lora.visionTower() ? " (language model and vision tower)" : ""), adapter, model, out);
        console.flush();
        return ExitCodes.OK;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover hidden staging folder beside --out is named by its pid
        }
    }
}
