#!/usr/bin/python3
"""Writes a real-size torchvision VGG19 state dict (random weights, ~548 MB) in PyTorch's legacy
container, as vgg19-dcbb9e9d.pth is stored, plus a sidecar JSON with each conv tensor's SHA-256 (of its
float32 little-endian bytes) for weights-converter's FullSizeTest. Leaves out pretrained values: the test
measures streaming and exactness, not quality.

    /usr/bin/python3 tools/make_fullsize_pth.py [OUT]      # default /tmp/nst-fullsize/vgg19-fullsize-legacy.pth
    NST_FULLSIZE_PTH=OUT ./mvnw -o -q -pl weights-converter -am test -Dtest=FullSizeTest -Dsurefire.failIfNoSpecifiedTests=false
"""
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torchvision

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/nst-fullsize/vgg19-fullsize-legacy.pth"
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
torch.manual_seed(0)
model = torchvision.models.vgg19()          # torchvision's architecture and init, random values
# torchvision initialises conv biases to zero: then every bias hashes alike and a bias mix-up (conv1_2's
# bias under conv1_1's name) would pass FullSizeTest. Distinct nonzero biases make each hash unique.
with torch.no_grad():
    for m in model.features:
        if isinstance(m, torch.nn.Conv2d):
            m.bias.uniform_(-0.1, 0.1)
sd = model.state_dict()
torch.save(sd, out, _use_new_zipfile_serialization=False)
names = ["conv%d_%d" % (b, i) for b, n in enumerate((2, 2, 4, 4, 4), 1) for i in range(1, n + 1)]
idx = [k for k, m in enumerate(model.features) if isinstance(m, torch.nn.Conv2d)]
digests = {}
for name, k in zip(names, idx):
    for part in ("weight", "bias"):
        a = sd["features.%d.%s" % (k, part)].numpy().astype("<f4")
        digests[name + "." + part] = hashlib.sha256(a.tobytes()).hexdigest()
with open(out + ".sha256.json", "w") as f:
    json.dump(digests, f, indent=1)
print("wrote %s (%d bytes) and %s.sha256.json" % (out, os.path.getsize(out), out))
