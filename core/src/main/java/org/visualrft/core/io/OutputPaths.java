package org.visualrft.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.visualrft.core.BadInputException;

/**
 * Checks on the paths a command is about to write, made before it reads or writes anything, so that a mistyped
 * option fails at once with one line instead of destroying an input or failing halfway.
 */
public final class OutputPaths {
    private OutputPaths() {
    }

    /**
     * Refuses an output file that is one of the inputs: the same path, a symbolic link to it, a hard link to it, or a
     * link the input itself points through. {@code inputs} maps each input's option name to its path (null entries,
     * such as an absent optional input or standard input, are skipped).
     */
    public static void refuseOverwritingInput(String outputOption, Path output, Map<String, Path> inputs) {
        if (output == null || !Files.exists(output)) {
            return; // a file that does not exist yet cannot be an input
        }
        for (Map.Entry<String, Path> in : inputs.entrySet()) {
            Path input = in.getValue();
            if (input == null || !Files.exists(input)) {
                continue;
            }
            if (sameFile(output, input)) {
                throw new BadInputException(output, outputOption + " is the same file as " + in.getKey()
                        + " (writing it would destroy the input); choose another output file");
            }
        }
    }

    /**
     * Refuses an output file that already exists inside one of {@code folders} (a model folder: {@code --answers}
     * naming its config.json would replace it). {@code folders} maps option names to paths; null entries are skipped.
     */
    public static void refuseWritingIntoFolder(String outputOption, Path output, Map<String, Path> folders) {
        if (output == null || !Files.exists(output)) {
            return;
        }
        for (Map.Entry<String, Path> f : folders.entrySet()) {
            if (f.getValue() != null && Files.isDirectory(f.getValue()) && inside(output, f.getValue())) {
                throw new BadInputException(output, outputOption + " is a file of the " + f.getKey() + " folder"
                        + " (writing it would change that input); choose another output file");
            }
        }
    }

    /** Whether the existing {@code file} lies in {@code folder} or below it, links resolved. */
    private static boolean inside(Path file, Path folder) {
        try {
            return file.toRealPath().startsWith(folder.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /** Refuses an output folder path that exists and is not a folder (e.g. {@code --out} naming a file). */
    public static void requireFolderOrAbsent(String option, Path folder) {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new BadInputException(folder, option + " must be a folder, but this is a file");
        }
        if (Files.isDirectory(folder)) {
            requireWritable(option, folder, folder);
            return;
        }
        Path parent = folder.toAbsolutePath().getParent();
        for (Path p = parent; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new BadInputException(folder, option + ": " + p + " is a file, not a folder");
                }
                requireWritable(option, folder, p);
                break;
            }
        }
    }

    /** Refuses an output file path that names a folder, or whose nearest existing ancestor is a file. */
    public static void requireFileTarget(String option, Path file) {
        if (Files.isDirectory(file)) {
            throw new BadInputException(file, option + " must name a file, but this is a folder");
        }
        Path parent = file.toAbsolutePath().getParent();
        for (Path p = parent; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new BadInputException(file, option + ": " + p + " is a file, not a folder");
                }
                requireWritable(option, file, p);
                break;
            }
        }
    }

    /**
     * Refuses an output whose folder (the nearest one that exists: the rest would be created in it) cannot be
     * written, e.g. a read-only file system or a folder of another user, before any work is done for it.
     */
    private static void requireWritable(String option, Path output, Path folder) {
        if (!Files.isWritable(folder)) {
            throw new BadInputException(output, option + ": " + (folder.equals(output) ? "the folder"
                    : folder.toString()) + " is not writable (read-only file system or no permission)");
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            // follows symbolic links; compares device and inode on Unix, so hard links count too
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
