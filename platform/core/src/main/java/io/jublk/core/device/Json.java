package io.jublk.core.device;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.util.Map;

/**
 * JSON through jackson-jr, for plain data only: String, Number, Boolean, null, and Lists and Maps (String
 * keys) of them, written in the Maps' order. Public for the console ({@code ublk:list --json}).
 */
public final class Json {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** Fails on anything but plain data rather than guessing at a bean's properties. */
    private static final JSON PLAIN = JSON.builder(FACTORY).build()
            .with(JSON.Feature.WRITE_NULL_PROPERTIES, JSON.Feature.FAIL_ON_UNKNOWN_TYPE_WRITE,
                    JSON.Feature.PRESERVE_FIELD_ORDERING)
            .without(JSON.Feature.HANDLE_JAVA_BEANS, JSON.Feature.FORCE_REFLECTION_ACCESS);
    private static final JSON PRETTY = PLAIN.with(JSON.Feature.PRETTY_PRINT_OUTPUT);

    private Json() {
    }

    /** One line of JSON; an IllegalArgumentException for a value that is not plain data. */
    public static String write(Object value) {
        try {
            return PLAIN.asString(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("not plain JSON data: " + oneLine(e), e);
        }
    }

    /** Indented JSON, for files people may read. */
    public static String writePretty(Object value) {
        try {
            return PRETTY.asString(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("not plain JSON data: " + oneLine(e), e);
        }
    }

    /**
     * Parses a whole document that must be one object (strict JSON: no comments, no repeated key, nothing
     * after it). Numbers come back as Integer, Long, BigInteger or Double; the error is one line.
     */
    public static Map<String, Object> readObject(String text) throws IOException {
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                throw new IOException(text.isBlank() ? "empty, not a JSON object" : "not a JSON object");
            }
            Map<String, Object> object = PLAIN.mapFrom(parser);
            if (parser.nextToken() != null) {
                throw new IOException("text after the object");
            }
            return object;
        } catch (JsonProcessingException e) {
            throw new IOException("bad JSON: " + oneLine(e), e);
        }
    }

    /** Jackson's message without its multi-line source excerpt, with line and column. */
    private static String oneLine(IOException e) {
        if (e instanceof JsonProcessingException j) {
            String where = j.getLocation() == null ? ""
                    : " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")";
            return j.getOriginalMessage().replaceAll("\\s+", " ") + where;
        }
        return String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
    }
}
