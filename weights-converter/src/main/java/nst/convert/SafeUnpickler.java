package nst.convert;

import nst.engine.WeightsException;
import nst.engine.io.WeightsLimits;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted reader of Python pickles (protocols 0–5) for PyTorch state dicts: it builds plain data
 * (None, bool, int, float, str, bytes, list, tuple, dict) and calls nothing. Globals are allowed only
 * from a fixed list (OrderedDict, torch's tensor/parameter rebuild functions, torch storage types);
 * anything else is refused with an error naming the global ("refused global posix.system") before any
 * later opcode could use it. Leaves out object construction of every other kind (INST, OBJ, NEWOBJ,
 * extension registries, sets, out-of-band buffers).
 *
 * <p>Hostile pickles are bounded (limits in {@link WeightsLimits}): dict keys are plain scalars (never a
 * list, whose hash would recurse), integers have at most a few bytes, memo keys are numbers, the pickle,
 * its stack, memo and container count are capped, and the finished value is walked once, in linear time,
 * to refuse a container that contains itself or nesting deeper than a state dict ever has.
 */
public final class SafeUnpickler {

    /** A Python tuple (immutable sequence). */
    public record Tuple(List<Object> items) {
        public Object get(int i) { return items.get(i); }
        public int size() { return items.size(); }
    }

    /** An allowed global, referenced by module and name; never resolved to anything executable. */
    public record Global(String module, String name) {
        @Override public String toString() { return module + "." + name; }
    }

    /** A tensor as {@code torch._utils._rebuild_tensor[_v2]} describes it: a view on a storage. */
    public record TensorRef(Object storage, long offset, long[] size, long[] stride) {
        public long elements() {
            long n = 1;
            for (long d : size) n *= d;
            return n;
        }
        public int[] shape() {
            int[] s = new int[size.length];
            for (int i = 0; i < s.length; i++) s[i] = Math.toIntExact(size[i]);
            return s;
        }
    }

    /** Resolves a persistent id (PyTorch's storage references) to a value; may refuse. */
    @FunctionalInterface
    public interface PersistentLoader {
        Object load(Object pid);
    }

    /** The globals a state dict may name. Storage types map to their dtype names (safetensors spelling). */
    public static final Map<String, String> STORAGE_TYPES = Map.ofEntries(
            Map.entry("torch.FloatStorage", "F32"), Map.entry("torch.DoubleStorage", "F64"),
            Map.entry("torch.HalfStorage", "F16"), Map.entry("torch.BFloat16Storage", "BF16"),
            Map.entry("torch.LongStorage", "I64"), Map.entry("torch.IntStorage", "I32"),
            Map.entry("torch.ShortStorage", "I16"), Map.entry("torch.CharStorage", "I8"),
            Map.entry("torch.ByteStorage", "U8"), Map.entry("torch.BoolStorage", "BOOL"),
            // the tar container of PyTorch < 0.1.10 names a GPU storage's own class
            Map.entry("torch.cuda.FloatStorage", "F32"), Map.entry("torch.cuda.DoubleStorage", "F64"),
            Map.entry("torch.cuda.HalfStorage", "F16"), Map.entry("torch.cuda.LongStorage", "I64"));
    /**
     * Tensor classes, named (never called: REDUCE refuses them) in the tensor table of the tar container of
     * PyTorch < 0.1.10.
     */
    public static final Set<String> TENSOR_TYPES = Set.of(
            "torch.FloatTensor", "torch.DoubleTensor", "torch.HalfTensor", "torch.LongTensor", "torch.IntTensor",
            "torch.ShortTensor", "torch.CharTensor", "torch.ByteTensor", "torch.cuda.FloatTensor", "torch.cuda.DoubleTensor",
            "torch.cuda.HalfTensor", "torch.cuda.LongTensor");
    private static final Set<String> FUNCTIONS = Set.of(
            "collections.OrderedDict", "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter");

    private static final Object MARK = new Object() {
        @Override public String toString() { return "MARK"; }
    };

    private final InputStream in;
    private final PersistentLoader persistent;
    private final String where;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private long position;
    private int containers;

    /**
     * @param where      the file, for error messages
     * @param persistent resolves persistent ids (PERSID / BINPERSID); null refuses them
     */
    public SafeUnpickler(InputStream in, String where, PersistentLoader persistent) {
        this.in = in;
        this.where = where;
        this.persistent = persistent;
    }

    /** Bytes consumed so far by this unpickler. */
    public long position() { return position; }

    /** Reads one pickle up to its STOP opcode and returns its value. */
    public Object load() throws IOException {
        stack.clear();
        marks.clear();
        memo.clear();
        containers = 0;
        long start = position;
        while (true) {
            if (position - start > WeightsLimits.MAX_PICKLE_BYTES)
                throw fail("a pickle of over " + WeightsLimits.MAX_PICKLE_BYTES + " bytes; a state dict's is a few KB");
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = u8();
                    if (proto > 5) throw fail("unsupported pickle protocol " + proto);
                }
                case 0x95 -> skipFully(8); // FRAME: framing is transparent to a sequential reader
                case '.' -> { // STOP
                    if (stack.size() != 1) throw fail("malformed pickle (stack holds " + stack.size() + " values at STOP)");
                    Object value = stack.removeLast();
                    checkStructure(value);
                    return value;
                }
                case '(' -> { // MARK
                    if (marks.size() >= WeightsLimits.MAX_NESTING) throw fail("nested deeper than " + WeightsLimits.MAX_NESTING + " levels; a state dict is not");
                    marks.add(stack.size());
                    push(MARK);
                }
                case '0' -> pop();                                  // POP
                case '1' -> popMark();                              // POP_MARK
                case '2' -> push(peek());                           // DUP
                case 'N' -> push(null);                             // NONE
                case 0x88 -> push(Boolean.TRUE);                    // NEWTRUE
                case 0x89 -> push(Boolean.FALSE);                   // NEWFALSE
                case 'I' -> push(parseIntLine(line()));             // INT (also True/False in protocol 0)
                case 'L' -> push(parseLongLine(line()));            // LONG
                case 'J' -> push((long) i32());                     // BININT
                case 'K' -> push((long) u8());                      // BININT1
                case 'M' -> push((long) u16());                     // BININT2
                case 0x8a -> push(longBytes(integerLength(u8())));  // LONG1
                case 0x8b -> push(longBytes(integerLength(i32()))); // LONG4
                case 'F' -> push(parseFloatLine(line()));           // FLOAT
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 'S' -> push(unquote(line()));                  // STRING
                case 'T' -> push(latin1(bytes(len(i32()))));        // BINSTRING
                case 'U' -> push(latin1(bytes(u8())));              // SHORT_BINSTRING
                case 'V' -> push(line());                           // UNICODE (raw-unicode-escape; ASCII keys in practice)
                case 'X' -> push(utf8(bytes(len(i32()))));          // BINUNICODE
                case 0x8c -> push(utf8(bytes(u8())));               // SHORT_BINUNICODE
                case 0x8d -> push(utf8(bytes(len(i64()))));         // BINUNICODE8
                case 'B' -> push(bytes(len(i32())));                // BINBYTES
                case 'C' -> push(bytes(u8()));                      // SHORT_BINBYTES
                case 0x8e -> push(bytes(len(i64())));               // BINBYTES8
                case 0x96 -> push(bytes(len(i64())));               // BYTEARRAY8
                case ']' -> push(made(new ArrayList<>()));          // EMPTY_LIST
                case 'l' -> push(made(new ArrayList<>(popMark()))); // LIST
                case 'a' -> { Object v = pop(); list(peek()).add(v); }            // APPEND
                case 'e' -> { List<Object> v = popMark(); list(peek()).addAll(v); } // APPENDS
                case ')' -> push(tuple(List.of()));                 // EMPTY_TUPLE
                case 't' -> push(tuple(popMark()));                 // TUPLE
                case 0x85 -> push(tuple(Collections.singletonList(pop()))); // TUPLE1 (None allowed)
                case 0x86 -> { Object b = pop(), a = pop(); push(tuple(Arrays.asList(a, b))); }          // TUPLE2
                case 0x87 -> { Object c = pop(), b = pop(), a = pop(); push(tuple(Arrays.asList(a, b, c))); } // TUPLE3
                case '}' -> push(made(new LinkedHashMap<>()));      // EMPTY_DICT
                case 'd' -> { List<Object> kv = popMark(); Map<Object, Object> m = made(new LinkedHashMap<>()); putAll(m, kv); push(m); } // DICT
                case 's' -> { Object v = pop(), k = pop(); dict(peek()).put(key(k), v); }               // SETITEM
                case 'u' -> { List<Object> kv = popMark(); putAll(dict(peek()), kv); }                 // SETITEMS
                case 'g' -> push(memoGet(memoKey(line())));         // GET
                case 'h' -> push(memoGet(u8()));                    // BINGET
                case 'j' -> push(memoGet(u32()));                   // LONG_BINGET
                case 'p' -> memoPut(memoKey(line()));               // PUT
                case 'q' -> memoPut(u8());                          // BINPUT
                case 'r' -> memoPut(u32());                         // LONG_BINPUT
                case 0x94 -> memoPut(memo.size());                  // MEMOIZE
                case 'c' -> push(global(line(), line()));           // GLOBAL
                case 0x93 -> { Object name = pop(), module = pop(); push(global(str(module), str(name))); } // STACK_GLOBAL
                case 'R' -> { Object args = pop(), fn = pop(); push(reduce(fn, args)); }                // REDUCE
                case 'b' -> { Object state = pop(); build(peek(), state); }                             // BUILD
                case 'P' -> push(persistentLoad(line()));           // PERSID
                case 'Q' -> push(persistentLoad(pop()));            // BINPERSID
                default -> throw fail(String.format("refused pickle opcode 0x%02x%s at byte %d (only the opcodes of a plain state dict are read)",
                        op, op >= 32 && op < 127 ? " '" + (char) op + "'" : "", position - 1));
            }
        }
    }

    // --- globals and calls: the whole attack surface of pickle, closed to a list

    private Object global(String module, String name) {
        String full = module + "." + name;
        if (!FUNCTIONS.contains(full) && !STORAGE_TYPES.containsKey(full) && !TENSOR_TYPES.contains(full))
            throw fail("refused global " + full + " (a weights file only needs OrderedDict, tensor rebuild functions and storage types; nothing was executed)");
        return new Global(module, name);
    }

    private Object reduce(Object fn, Object args) {
        if (!(fn instanceof Global g)) throw fail("refused call of a non-global " + describe(fn));
        if (!(args instanceof Tuple t)) throw fail("malformed pickle: arguments of " + g + " are not a tuple");
        return switch (g.toString()) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> m = made(new LinkedHashMap<>());
                if (t.size() == 1 && t.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        if (p instanceof Tuple kv && kv.size() == 2) m.put(key(kv.get(0)), kv.get(1));
                        else if (p instanceof List<?> kv && kv.size() == 2) m.put(key(kv.get(0)), kv.get(1));
                        else throw fail("malformed OrderedDict item " + describe(p));
                    }
                } else if (t.size() != 0) throw fail("OrderedDict called with " + t.size() + " arguments");
                yield m;
            }
            case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2" -> {
                if (t.size() < 4) throw fail(g + " called with " + t.size() + " arguments, expected at least 4");
                yield new TensorRef(t.get(0), toLong(t.get(1)), longs(t.get(2)), longs(t.get(3)));
            }
            case "torch._utils._rebuild_parameter" -> {
                if (t.size() < 1 || !(t.get(0) instanceof TensorRef tr)) throw fail(g + " called without a tensor");
                yield tr;
            }
            default -> throw fail("refused call of " + g + " (a storage or tensor type is not callable here)");
        };
    }

    /** BUILD sets state on an object: only a dict's attributes (OrderedDict._metadata) occur; kept out. */
    private void build(Object target, Object state) {
        if (target instanceof Map<?, ?> || target instanceof TensorRef) return;
        throw fail("refused BUILD on " + describe(target));
    }

    private Object persistentLoad(Object pid) {
        if (persistent == null) throw fail("refused persistent id " + describe(pid) + " (none expected here)");
        return persistent.load(pid);
    }

    // --- helpers

    private WeightsException fail(String msg) {
        return new WeightsException(where + ": " + msg);
    }

    /** A short description of a pickled value for messages: never the contents of a container (which may be huge or recursive). */
    static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof String s) return "'" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'";
        if (o instanceof Long || o instanceof Boolean || o instanceof Double) return o.toString();
        if (o instanceof BigInteger b) return "an integer of " + b.bitLength() + " bits";
        if (o instanceof Global g) return g.toString();
        return o.getClass().getSimpleName();
    }

    private void push(Object o) {
        if (stack.size() >= WeightsLimits.MAX_PICKLE_ITEMS) throw fail("more than " + WeightsLimits.MAX_PICKLE_ITEMS + " values on the pickle's stack");
        stack.add(o);
    }

    /** Counts a new list, tuple or dict against {@link WeightsLimits#MAX_CONTAINERS}. */
    private <T> T made(T container) {
        if (++containers > WeightsLimits.MAX_CONTAINERS)
            throw fail("more than " + WeightsLimits.MAX_CONTAINERS + " lists, tuples and dicts; a state dict has a few hundred");
        return container;
    }

    /** Dict keys are plain values, as in every state dict: a list or tuple key could hash forever. */
    private Object key(Object k) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Boolean || k instanceof Double) return k;
        throw fail("refused dict key of type " + describe(k) + " (a state dict's keys are strings)");
    }

    private void memoPut(long key) {
        if (memo.size() >= WeightsLimits.MAX_PICKLE_ITEMS && !memo.containsKey(key))
            throw fail("more than " + WeightsLimits.MAX_PICKLE_ITEMS + " memo entries");
        memo.put(key, peek());
    }

    /** A protocol-0 memo key: a decimal number. */
    private long memoKey(String line) {
        String t = line.trim();
        if (t.isEmpty() || t.length() > 10 || !t.chars().allMatch(c -> c >= '0' && c <= '9'))
            throw fail("malformed pickle (memo key " + describe(t) + " is not a number, at byte " + position + ")");
        return Long.parseLong(t);
    }

    /**
     * Refuses a value that contains itself (a state dict never does; Java's hashCode/equals/toString would
     * recurse forever on it) or nests deeper than {@link WeightsLimits#MAX_NESTING}. One depth-first walk,
     * each container's height remembered, so shared sub-structures (a DAG with 2^50 paths) cost their size.
     */
    private void checkStructure(Object root) {
        record Frame(Object node, Iterator<?> children, int[] height) {}
        Map<Object, Integer> heights = new IdentityHashMap<>();
        Map<Object, Boolean> onPath = new IdentityHashMap<>();
        Deque<Frame> path = new ArrayDeque<>();
        if (children(root) == null) return;
        path.push(new Frame(root, children(root), new int[1]));
        onPath.put(root, true);
        while (!path.isEmpty()) {
            Frame f = path.peek();
            if (!f.children().hasNext()) {
                path.pop();
                onPath.remove(f.node());
                heights.put(f.node(), f.height()[0]);
                if (!path.isEmpty()) path.peek().height()[0] = Math.max(path.peek().height()[0], f.height()[0] + 1);
                continue;
            }
            Object c = f.children().next();
            Iterator<?> grandChildren = children(c);
            if (grandChildren == null) continue;
            if (onPath.containsKey(c)) throw fail("a container (" + describe(c) + ") that contains itself; a state dict has no recursion");
            Integer h = heights.get(c);
            if (h != null) {
                if (path.size() + h >= WeightsLimits.MAX_NESTING) throw tooDeep();
                f.height()[0] = Math.max(f.height()[0], h + 1);
                continue;
            }
            if (path.size() >= WeightsLimits.MAX_NESTING) throw tooDeep();
            path.push(new Frame(c, grandChildren, new int[1]));
            onPath.put(c, true);
        }
    }

    private WeightsException tooDeep() {
        return fail("containers nested deeper than " + WeightsLimits.MAX_NESTING + " levels; a state dict nests 3");
    }

    /** The values a container holds (a dict's keys are scalars), or null for a non-container. */
    private static Iterator<?> children(Object o) {
        if (o instanceof List<?> l) return l.iterator();
        if (o instanceof Tuple t) return t.items().iterator();
        if (o instanceof Map<?, ?> m) return m.values().iterator();
        if (o instanceof TensorRef r) return Collections.singletonList(r.storage()).iterator();
        return null;
    }

    private Object pop() {
        if (stack.isEmpty() || stack.getLast() == MARK) throw fail("malformed pickle (stack underflow at byte " + position + ")");
        return stack.removeLast();
    }

    private Object peek() {
        if (stack.isEmpty() || stack.getLast() == MARK) throw fail("malformed pickle (empty stack at byte " + position + ")");
        return stack.getLast();
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw fail("malformed pickle (no MARK at byte " + position + ")");
        int m = marks.removeLast();
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        while (stack.size() > m) stack.removeLast();
        return items;
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) throw fail("malformed pickle (memo key " + key + " unset)");
        return memo.get(key);
    }

    private Tuple tuple(List<Object> items) { return made(new Tuple(Collections.unmodifiableList(new ArrayList<>(items)))); }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw fail("malformed pickle (APPEND to " + describe(o) + ")");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw fail("malformed pickle (SETITEM on " + describe(o) + ")");
    }

    private void putAll(Map<Object, Object> m, List<Object> kv) {
        if (kv.size() % 2 != 0) throw fail("malformed pickle (odd number of dict items)");
        for (int i = 0; i < kv.size(); i += 2) m.put(key(kv.get(i)), kv.get(i + 1));
    }

    private String str(Object o) {
        if (o instanceof String s) return s;
        throw fail("malformed pickle (expected a string, got " + describe(o) + ")");
    }

    private long toLong(Object o) {
        if (o instanceof Long l) return l;
        if (o instanceof Boolean b) return b ? 1 : 0;
        throw fail("expected an integer, got " + describe(o));
    }

    private long[] longs(Object o) {
        List<Object> items;
        if (o instanceof Tuple t) items = t.items();
        else if (o instanceof List<?> l) items = new ArrayList<>(l);
        else throw fail("expected a tuple of integers, got " + describe(o));
        long[] r = new long[items.size()];
        for (int i = 0; i < r.length; i++) r[i] = toLong(items.get(i));
        return r;
    }

    private int u8() throws IOException {
        int b = in.read();
        if (b < 0) throw new EOFException(where + ": truncated pickle at byte " + position);
        position++;
        return b;
    }

    private int u16() throws IOException { return u8() | (u8() << 8); }

    private int i32() throws IOException { return u8() | (u8() << 8) | (u8() << 16) | (u8() << 24); }

    private long u32() throws IOException { return i32() & 0xffffffffL; }

    private long i64() throws IOException { return u32() | (u32() << 32); }

    /** Lengths are bounded: a pickle inside a weights file never holds a string of a gigabyte. */
    private int len(long n) {
        if (n < 0 || n > WeightsLimits.MAX_PICKLE_BYTES) throw fail("implausible length " + n + " at byte " + position);
        return (int) n;
    }

    /** LONG1/LONG4: the integers of a state dict fit in 64 bits, PyTorch's magic number in 80. */
    private int integerLength(long n) {
        if (n < 0 || n > WeightsLimits.MAX_INTEGER_BYTES)
            throw fail("an integer of " + n + " bytes at byte " + position + "; a weights file's integers have at most " + WeightsLimits.MAX_INTEGER_BYTES);
        return (int) n;
    }

    private byte[] bytes(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        position += b.length;
        if (b.length < n) throw new EOFException(where + ": truncated pickle at byte " + position);
        return b;
    }

    private void skipFully(int n) throws IOException { bytes(n); }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = u8(); c != '\n'; c = u8()) {
            sb.append((char) c);
            if (sb.length() > 1 << 16) throw fail("implausibly long text line in pickle");
        }
        return sb.toString();
    }

    private static String utf8(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    private static String latin1(byte[] b) { return new String(b, StandardCharsets.ISO_8859_1); }

    private Object parseIntLine(String s) {
        if (s.equals("00")) return Boolean.FALSE;
        if (s.equals("01")) return Boolean.TRUE;
        return parseLongLine(s);
    }

    private Object parseLongLine(String s) {
        String t = (s.endsWith("L") ? s.substring(0, s.length() - 1) : s).trim();
        if (t.length() > 2 * WeightsLimits.MAX_INTEGER_BYTES + 1 || !t.matches("[-+]?[0-9]+"))
            throw fail("malformed integer " + describe(t) + " at byte " + position);
        BigInteger v = new BigInteger(t);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private double parseFloatLine(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw fail("malformed float " + describe(s) + " at byte " + position);
        }
    }

    /** Little-endian two's complement of n bytes (LONG1 / LONG4). */
    private static Object longBytes(byte[] le) {
        if (le.length == 0) return 0L;
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) be[i] = le[le.length - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object longBytes(int n) throws IOException { return longBytes(bytes(n)); }

    private String unquote(String s) {
        String t = s.trim();
        if (t.length() >= 2 && (t.charAt(0) == '\'' || t.charAt(0) == '"') && t.charAt(t.length() - 1) == t.charAt(0))
            return t.substring(1, t.length() - 1);
        throw fail("malformed STRING opcode");
    }
}
