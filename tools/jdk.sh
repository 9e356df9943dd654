# Sourced by ./nst, ./mvnw and .ci/run: finds a JDK 25+ and exports JAVA_HOME and PATH.
# Looks at $JAVA_HOME, then `java` on PATH, then /usr/lib/jvm/*. Prints a clear error when none is found.
nst_java_major() { # $1 = path to a java binary; prints its feature version (17, 25, ...)
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
nst_find_jdk() {
  local c v
  for c in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    [ -x "$(dirname "$c")/javac" ] || continue          # a JRE cannot build the project
    v=$(nst_java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then
      JAVA_HOME=$(cd "$(dirname "$c")/.." && pwd -P)
      export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "nst: no JDK 25 found. nst needs Java 25 (the Vector API and FFM)." >&2
  echo "     Looked at \$JAVA_HOME (${JAVA_HOME:-unset}), 'java' on PATH and /usr/lib/jvm/*." >&2
  echo "     Install a JDK 25 (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}
