package org.visualrft.model.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.visualrft.core.BadInputException;

/**
 * Decodes PNG, JPEG, BMP and GIF files and bytes with a guard against decompression bombs: the pixel count is read
 * from the header and checked against {@link #maxPixels()} before a single pixel is decoded (a 700 KB PNG can
 * claim 27000 × 27000 pixels, 2.9 GB as RGB bytes and more as floats). Like Pillow's {@code MAX_IMAGE_PIXELS}, whose
 * default it shares; files, base64 in JSONL and dataset bytes all pass through here.
 */
public final class ImageDecoder {
    /** Environment variable that sets the limit (a positive integer, pixels = width × height). */
    public static final String ENV = "VRFT_MAX_IMAGE_PIXELS";
    /** Java system property that sets the limit; it wins over the environment variable. */
    public static final String PROPERTY = "vrft.maxImagePixels";
    /** Pillow's default {@code Image.MAX_IMAGE_PIXELS}: 1 GiB / 4 / 3 pixels. */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;
    /** The largest limit that can be set: three values per pixel must still fit one Java array. */
    public static final long HARD_MAX_PIXELS = (Integer.MAX_VALUE - 8) / 3;

    private ImageDecoder() {
    }

    /** The pixel limit in force: {@value #PROPERTY}, else {@value #ENV}, else {@value #DEFAULT_MAX_PIXELS}. */
    public static long maxPixels() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return parseLimit("-D" + PROPERTY, p);
        }
        String e = System.getenv(ENV);
        if (e != null && !e.isBlank()) {
            return parseLimit(ENV, e);
        }
        return DEFAULT_MAX_PIXELS;
    }

    static long parseLimit(String name, String value) {
        long v;
        try {
            v = Long.parseLong(value.strip().replace("_", ""));
        } catch (NumberFormatException ex) {
            throw new BadInputException(name, "must be a whole number of pixels, got '" + value + "'");
        }
        if (v < 1 || v > HARD_MAX_PIXELS) {
            throw new BadInputException(name, "must be between 1 and " + HARD_MAX_PIXELS + " pixels, got " + v);
        }
        return v;
    }

    /** Decodes an image file; {@link BadInputException} naming the file when it is missing, undecodable or too big. */
    public static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, Files.isDirectory(file) ? "is a folder, not an image file"
                    : "no such image file");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return decode(in, file.toString());
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read image: " + e.getMessage(), e);
        }
    }

    /** Decodes encoded image bytes; {@code where} names them in errors (a dataset file and record, say). */
    public static BufferedImage decode(byte[] data, String where) {
        // held in memory anyway: no disk cache (ImageIO's default would copy the bytes to a temporary file)
        try (ImageInputStream in = new javax.imageio.stream.MemoryCacheImageInputStream(
                new ByteArrayInputStream(data))) {
            return decode(in, where);
        } catch (IOException e) {
            throw new BadInputException(where, "cannot read image bytes: " + e.getMessage(), e);
        }
    }

    private static BufferedImage decode(ImageInputStream in, String where) {
        if (in == null) {
            throw new BadInputException(where, "cannot open the image");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new BadInputException(where, "not an image format this reader knows (PNG, JPEG, BMP, GIF)");
        }
        ImageReader reader = readers.next();
        try {
            reader.setInput(in, true, true);
            long w = reader.getWidth(0);
            long h = reader.getHeight(0);
            checkSize(w, h, where);
            BufferedImage img = reader.read(0);
            if (img == null) {
                throw new BadInputException(where, "the image decoded to nothing");
            }
            if (img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_CMYK) {
                // its four channels would otherwise be read as R, G, B (and alpha): wrong colours, silently
                throw new BadInputException(where, "a CMYK image: convert it to RGB first");
            }
            return img;
        } catch (IOException e) {
            throw new BadInputException(where, "cannot decode image: " + firstLine(e.getMessage()), e);
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException
                | NegativeArraySizeException | ArithmeticException | UnsupportedOperationException e) {
            // crafted headers make the JDK's decoders throw these instead of IIOException
            throw new BadInputException(where, "cannot decode image: " + firstLine(String.valueOf(e.getMessage())),
                    e);
        } finally {
            reader.dispose();
        }
    }

    /** Refuses an image of {@code w × h} pixels above the limit (or with a non-positive side). */
    public static void checkSize(long w, long h, String where) {
        if (w < 1 || h < 1) {
            throw new BadInputException(where, "image header gives a size of " + w + " x " + h);
        }
        long max = maxPixels();
        if (w * h > max) {
            throw new BadInputException(where, String.format(Locale.ROOT, "image is %d x %d = %,d pixels, over the "
                    + "limit of %,d (a guard against decompression bombs; if the image is genuine, raise it with the "
                    + "environment variable %s)", w, h, w * h, max, ENV));
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
