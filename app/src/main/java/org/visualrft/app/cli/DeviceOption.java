package org.visualrft.app.cli;

import org.visualrft.model.tensor.Device;
import picocli.CommandLine.Option;

/** The {@code --device} option that {@code generate} and {@code evaluate} share: where the model runs. */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, cuda or cuda:N (default ${DEFAULT-VALUE}); a GPU needs the CUDA build, see docs/gpu.md.")
    String device;

    /** The device named; IllegalArgumentException for an unknown name (the commands make it a usage error, exit 2). */
    Device parse() {
        return Device.parse(device);
    }
}
