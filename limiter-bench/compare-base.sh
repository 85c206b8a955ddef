# Sourced by the run-*-compare.sh scripts: builds this checkout and an earlier commit side by side, so that a
# benchmark can run both alternately in one session (a busy machine moves every score; neighbouring runs move less).
# Needs root (the repository root). Defines:
#   build <dir>            builds limiter-bench of the checkout in <dir> (offline, no install) and writes
#                          <dir>/limiter-bench/target/classpath.txt
#   prepare_base <commit>  exports <commit> with git archive to limiter-bench/target/p3-base/<full hash>, builds it
#                          once (kept for later runs) and sets base_dir to it
#   prepare <commit> <out> builds this checkout and <commit>, and empties the results directory <out>

build() {
  (cd "$1" && mvn -q -B -o -pl limiter-bench -am package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile=target/dependencies.txt -Dmdep.includeScope=runtime \
    && echo "$1/limiter-bench/target/classes:$(cat limiter-bench/target/dependencies.txt)" \
      > limiter-bench/target/classpath.txt)
}

prepare_base() {
  local commit
  commit="$(git -C "$root" rev-parse --verify "$1^{commit}")"
  base_dir="$root/limiter-bench/target/p3-base/$commit"
  if [ ! -f "$base_dir/limiter-bench/target/classpath.txt" ]; then
    echo "== building $commit in $base_dir"
    rm -rf "$base_dir"
    mkdir -p "$base_dir"
    git -C "$root" archive "$commit" | tar -x -C "$base_dir"
    build "$base_dir"
  fi
}

prepare() {
  echo "== building this checkout"
  build "$root"
  prepare_base "$1"
  rm -rf "$2"
  mkdir -p "$2"
}
