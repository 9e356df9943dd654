package nst.app.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** JSON text for the studio's documents and events (Jackson, one shared mapper). Leaves out parsing: the API takes form fields. */
public final class Json {
    private Json() {}

    static final ObjectMapper MAPPER = new ObjectMapper();

    public static String write(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
