#!/usr/bin/env bash
# The OpenCL backend's GPU check, for a machine with an NVIDIA GPU and its OpenCL ICD: lists the devices, runs the
# OpenCL conformance and PyTorch-golden tests on the first GPU, then times nst on it with bench/side-by-side.sh.
# Leaves out PyTorch timings (--engines nst) and any tuning; stops at the first failure, and at once without a GPU.
# Usage: kernels-opencl/gpu-check.sh [RESULTS.md]   (default kernels-opencl/gpu-results.md; the test log goes next to it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
results=$(realpath -m "${1:-$root/kernels-opencl/gpu-results.md}")
log="${results%.md}.log"
fail() { echo "gpu-check: FAILED: $*" >&2; exit 1; }

echo "== clinfo -l"
if command -v clinfo >/dev/null 2>&1; then
  clinfo_out=$(clinfo -l 2>&1 || true)
else
  clinfo_out="(clinfo not installed: apt-get install clinfo)"
fi
echo "$clinfo_out"

echo "== ./nst backends"
report=$(./nst backends) || fail "./nst backends did not run (see above)"
echo "$report"
# device lines look like "      opencl:1  GPU  NVIDIA H100 80GB HBM3, 79.1 GiB, 132 compute units, ..."
gpu_line=$(grep -E '^ +opencl:[0-9]+ +GPU ' <<<"$report" | head -n 1 || true)
if [ -z "$gpu_line" ]; then
  fail "no OpenCL GPU device found: nst backends (above) lists none. Install the NVIDIA driver's OpenCL ICD" \
       "(Debian/Ubuntu: nvidia-opencl-icd or libnvidia-compute-<version>, which adds /etc/OpenCL/vendors/nvidia.icd)" \
       "and ocl-icd-libopencl1, check that clinfo -l lists the GPU, then run this script again."
fi
n=$(sed -E 's/^ +opencl:([0-9]+) .*/\1/' <<<"$gpu_line")
echo "gpu-check: using opencl:$n:$gpu_line"

# side-by-side.sh needs PyTorch even for --engines nst (it reports the PyTorch version): check before the tests.
py=""
for cand in ${NST_PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch, torchvision' 2>/dev/null; then py=$cand; break; fi
done
[ -n "$py" ] || fail "bench/side-by-side.sh needs python3-torch and python3-torchvision (or NST_PYTHON), even with --engines nst"

echo "== OpenCL conformance, error and selection tests, conv timings, golden tests: opencl:$n (log: $log)"
# -Dnst.opencl.device picks the device for kernels-opencl's tests, -Dnst.test.backends the engine's golden tests;
# -Dnst.require.opencl=true turns a missing device into a failure instead of a skip.
if ! NST_REQUIRE_OPENCL=true ./mvnw -B -pl kernels-opencl,engine -am test -Dnst.require.opencl=true \
    -Dnst.opencl.device="$n" -Dnst.test.backends="opencl:$n" -Dnst.opencl.timing=true \
    -Dtest='OpenCl*Test,GoldenTest,MaskedStyleGoldenTest' -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1; then
  grep -E 'Tests run:|FAIL|ERROR\]' "$log" | tail -n 30 >&2 || true
  fail "tests on opencl:$n failed; full log: $log"
fi
grep -E '^OpenCL conformance on|^conv |^device: |Tests run: .*Fail' "$log" || true

echo "== bench/side-by-side.sh --nst-backend opencl --sizes 512,1024 --engines nst"
table=$(mktemp)
trap 'rm -f "$table"' EXIT
bench/side-by-side.sh --nst-backend opencl --sizes 512,1024 --engines nst --out "$table"

{
  echo "# OpenCL GPU check ($(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo
  echo '```'; echo "\$ clinfo -l"; echo "$clinfo_out"; echo "\$ ./nst backends"; echo "$report"; echo '```'
  echo
  echo "Tests on opencl:$n passed (kernels-opencl OpenCl*Test with timings, engine GoldenTest and MaskedStyleGoldenTest):"
  echo
  echo '```'; grep -E '^OpenCL conformance on|^conv |^device: |Tests run: ' "$log" || true; echo '```'
  echo
  cat "$table"
} >"$results"
echo "gpu-check: done; results in $results"
