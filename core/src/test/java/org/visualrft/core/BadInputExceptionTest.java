package org.visualrft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BadInputExceptionTest {
    @Test
    void messageNamesFileAndFault() {
        BadInputException e = new BadInputException(Path.of("data/gt.json"), "line 3: expected ']'");
        assertEquals("data/gt.json: line 3: expected ']'", e.getMessage());
        assertEquals("data/gt.json", e.source());
        assertEquals("line 3: expected ']'", e.fault());
    }

    @Test
    void sourceMayBeAbsent() {
        assertEquals("--shots must be positive", new BadInputException((String) null, "--shots must be positive").getMessage());
    }
}
