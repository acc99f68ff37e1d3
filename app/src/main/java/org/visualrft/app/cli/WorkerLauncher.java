package org.visualrft.app.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.visualrft.app.Main;
import org.visualrft.core.ExitCodes;
import org.visualrft.model.tensor.Rendezvous;
import org.visualrft.model.tensor.StoreServer;

/**
 * {@code --nproc N}: serves the c10d store on an ephemeral loopback port, starts N worker JVMs (this JVM's command,
 * flags and class path) with torchrun's environment, streams their output with a {@code [rank k]} prefix (standard
 * output to standard output, errors to standard error), and ends the job as soon as one rank fails: the others are
 * killed and the launcher returns that rank's exit code. Bad input is seen by every rank alike, so an error line
 * that another rank already printed is not printed again: the user reads one line, as without {@code --nproc}.
 */
final class WorkerLauncher {
    private WorkerLauncher() {
    }

    /** Gloo's note that a rank connected to its peers, printed by the native library once per rank of every run. */
    private static final Pattern GLOO_CONNECTED = Pattern.compile("\\[Gloo\\] Rank \\d+ is connected to \\d+ peer "
            + "ranks\\. Expected number of connected peer ranks is : \\d+");

    static int launch(int nproc, List<String> workerArgs, Duration timeout, PrintWriter out, PrintWriter err)
            throws IOException, InterruptedException {
        try (StoreServer store = StoreServer.start(nproc, timeout)) {
            List<Process> ranks = new ArrayList<>();
            List<Thread> pumps = new ArrayList<>();
            Set<String> errorsShown = ConcurrentHashMap.newKeySet();
            try {
                for (int rank = 0; rank < nproc; rank++) {
                    ProcessBuilder pb = new ProcessBuilder(command(workerArgs));
                    Map<String, String> env = pb.environment();
                    env.put("MASTER_ADDR", "127.0.0.1");
                    env.put("MASTER_PORT", String.valueOf(store.port()));
                    env.put("WORLD_SIZE", String.valueOf(nproc));
                    env.put("RANK", String.valueOf(rank));
                    env.put("LOCAL_RANK", String.valueOf(rank));
                    env.put(Rendezvous.STORE_HOSTED_ENV, "1");
                    env.putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
                    Process p = pb.start();
                    ranks.add(p);
                    pumps.add(pump(p.getInputStream(), "[rank " + rank + "] ", out, null));
                    pumps.add(pump(p.getErrorStream(), "[rank " + rank + "] ", err, errorsShown));
                }
                int failed = -1;
                int code = 0;
                while (failed < 0) {
                    boolean allDone = true;
                    for (int r = 0; r < ranks.size() && failed < 0; r++) {
                        Process p = ranks.get(r);
                        if (p.isAlive()) {
                            allDone = false;
                        } else if (p.exitValue() != 0) {
                            failed = r;
                            code = p.exitValue();
                        }
                    }
                    if (allDone) {
                        break;
                    }
                    Thread.sleep(100);
                }
                if (failed >= 0) {
                    killAll(ranks);
                }
                for (Thread t : pumps) {
                    t.join(5000);
                }
                if (failed >= 0) {
                    if (code != ExitCodes.BAD_INPUT) { // bad input: the rank's own line says it all
                        synchronized (err) {
                            err.println("visual-rft train: rank " + failed + " failed (exit " + code + "); stopped "
                                    + "the other ranks");
                            err.flush();
                        }
                    }
                    return code == 0 ? 1 : code;
                }
                return 0;
            } finally {
                killAll(ranks);
            }
        }
    }

    /** This JVM's java, flags and class path, with access to the socket descriptor the store serves on. */
    private static List<String> command(List<String> workerArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
                cmd.add(a);
            }
        }
        cmd.add("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(workerArgs);
        return cmd;
    }

    /**
     * Copies {@code in} line by line to {@code out} with {@code prefix}, without Gloo's connection note (native code
     * prints it on standard output). For a rank's standard error ({@code errorsShown} not null) a
     * {@code visual-rft ...} error line is printed only by the first rank that reports it.
     */
    private static Thread pump(InputStream in, String prefix, PrintWriter out, Set<String> errorsShown) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (GLOO_CONNECTED.matcher(line).matches()
                            || errorsShown != null && line.startsWith("visual-rft ") && !errorsShown.add(line)) {
                        continue;
                    }
                    synchronized (out) {
                        out.println(prefix + line);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the rank was killed: its stream ended
            }
        }, "log " + prefix.trim());
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void killAll(List<Process> ranks) throws InterruptedException {
        for (Process p : ranks) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        for (Process p : ranks) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
