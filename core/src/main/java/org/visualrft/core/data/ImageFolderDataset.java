package org.visualrft.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.visualrft.core.BadInputException;

/**
 * A classification dataset laid out as {@code ROOT/<class name>/<image>} (the torchvision ImageFolder layout).
 * Each image becomes a classification sample whose solution is {@code <answer><class name></answer>} and whose
 * {@code label} column is the folder name; the id is the path relative to ROOT. Classes and files are listed in
 * sorted order, so the result does not depend on the file system's listing order.
 */
public final class ImageFolderDataset {
    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp");

    private ImageFolderDataset() {
    }

    /** @param problem the prompt every sample gets (the class-specific prompts of docs/original-code.md, "Task prompts"), may be empty */
    public static List<Sample> read(Path root, String problem) {
        if (!Files.isDirectory(root)) {
            throw new BadInputException(root, Files.exists(root) ? "not a folder" : "no such folder");
        }
        List<Sample> out = new ArrayList<>();
        try (Stream<Path> classes = Files.list(root)) {
            for (Path dir : classes.filter(Files::isDirectory).sorted().toList()) {
                String label = dir.getFileName().toString();
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.filter(ImageFolderDataset::isImage).sorted().toList()) {
                        out.add(new Sample(root.relativize(f).toString(), ImageRef.file(f), problem,
                                "<answer>" + label + "</answer>", null, "classification", Map.of("label", label)));
                    }
                }
            }
        } catch (NoSuchFileException e) {
            throw new BadInputException(root, "no such folder");
        } catch (IOException e) {
            throw new BadInputException(root, "cannot list: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new BadInputException(root, "no images in class sub-folders (expected ROOT/<class>/<image>."
                    + String.join("|", EXTENSIONS.stream().sorted().toList()) + ")");
        }
        return out;
    }

    private static boolean isImage(Path f) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return Files.isRegularFile(f) && dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
