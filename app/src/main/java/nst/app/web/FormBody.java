package nst.app.web;

import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import jakarta.servlet.http.Part;
import org.eclipse.jetty.http.BadMessageException;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A job request's form, read once: text fields and uploaded files. Turns every way reading a body can fail (a
 * malformed multipart body, a part over Jetty's size limit, a body that stalls) into an {@link ApiError} with a plain
 * message that names the field where one is known, never the parser's exception text; and checks each text field's
 * length. Leaves out the fields' meaning (JobForm).
 */
record FormBody(Map<String, List<String>> fields, Map<String, List<UploadedFile>> files) {
    /** Longest text field, in characters: far beyond any real option value (a layer list is a few hundred). */
    static final int MAX_FIELD_CHARS = 64 * 1024;

    private static final Pattern PART = Pattern.compile("part (\\S+) exceeds");

    static FormBody read(Context ctx, long partLimitBytes) {
        FormBody body;
        try {
            body = new FormBody(ctx.formParamMap(), ctx.isMultipartFormData() ? ctx.uploadedFileMap() : Map.of());
        } catch (Exception e) {                 // Javalin (Kotlin) passes on Jetty's IOExceptions undeclared
            throw refusal(e, ctx, partLimitBytes);
        }
        for (Map.Entry<String, List<String>> f : body.fields.entrySet())
            for (String v : f.getValue())
                if (v.length() > MAX_FIELD_CHARS)
                    throw new ApiError(413, "field '" + f.getKey() + "' is " + v.length() + " characters long; a text field may have at most "
                            + MAX_FIELD_CHARS);
        return body;
    }

    List<UploadedFile> files(String name) { return files.getOrDefault(name, List.of()); }

    /** ": the longest is 'NAME' (N characters)" from the parts Jetty has already parsed; empty when they cannot be had. */
    private static String largestTextPart(Context ctx) {
        try {
            Part longest = null;
            for (Part p : ctx.req().getParts())
                if (p.getSubmittedFileName() == null && (longest == null || p.getSize() > longest.getSize())) longest = p;
            return longest == null ? "" : "; the longest is field '" + longest.getName() + "' (" + longest.getSize() + " bytes)";
        } catch (Exception e) {
            return "";
        }
    }

    /** The answer to a body that could not be read. */
    static ApiError refusal(Throwable e, Context ctx, long partLimitBytes) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ApiError a) return a;
            if (t instanceof BadMessageException b && b.getCode() == 408 || t instanceof TimeoutException)
                return new ApiError(408, "the request body arrived too slowly and was abandoned; send it again");
            String m = String.valueOf(t.getMessage());
            Matcher part = PART.matcher(m);
            if (part.find())
                return new ApiError(413, "field '" + part.group(1) + "' is larger than the limit of " + JobForm.mb(partLimitBytes) + " for one part");
            if (m.contains("Form is larger than max length"))      // Jetty's limit on all text fields together
                return new ApiError(413, "the text fields are longer than this server accepts in all" + largestTextPart(ctx));
            if (m.contains("maxRequestSize"))
                return new ApiError(413, "the request is larger than this server accepts in all; send smaller or fewer images");
            if (m.contains("too many parts") || m.contains("Too many"))
                return new ApiError(413, "the form has too many parts");
        }
        return new ApiError(400, "the request body is not a well-formed form (multipart/form-data or URL-encoded):"
                + " a part is malformed or the body ends early");
    }
}
