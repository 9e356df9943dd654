package nst.engine;

import java.util.List;
import java.util.function.Function;

/**
 * A bad option value. The message is a template whose {@code {}} stand for the options it is about, in order,
 * so that each front end names them its own way: {@link #getMessage()} uses the catalogue's names ("size must
 * be at least 16 pixels, got 3"), the command line {@link #spelled} with {@link TransferOption#flag()}
 * ("--size must be …"), the studio with its fields.
 */
public final class OptionException extends NstException {
    private final String template;
    private final List<TransferOption> options;

    public OptionException(String template, TransferOption... options) {
        super(render(template, List.of(options), TransferOption::id));
        this.template = template;
        this.options = List.of(options);
    }

    public OptionException(TransferOption option, String template) { this(template, option); }

    /** The options the message is about (the first is the one at fault). */
    public List<TransferOption> options() { return options; }

    /** The message with each option named by {@code name}. */
    public String spelled(Function<TransferOption, String> name) { return render(template, options, name); }

    private static String render(String template, List<TransferOption> options, Function<TransferOption, String> name) {
        StringBuilder b = new StringBuilder();
        int from = 0, k = 0;
        for (int at = template.indexOf("{}"); at >= 0; at = template.indexOf("{}", from)) {
            b.append(template, from, at).append(k < options.size() ? name.apply(options.get(k++)) : "{}");
            from = at + 2;
        }
        return b.append(template.substring(from)).toString();
    }
}
