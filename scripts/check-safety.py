#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every `unsafe {` block and `unsafe impl` in the given Rust sources must have a `// SAFETY:`
comment in the comment block right above it; every `unsafe fn` a `# Safety` doc section.
(The generated bindings are not checked.) Prints offenders; exit 1 if any."""
import pathlib
import re
import sys

bad = []
for root in sys.argv[1:]:
    for path in sorted(pathlib.Path(root).rglob("*.rs")):
        if path.name.endswith("_generated.rs"):
            continue
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            code = line.split("//", 1)[0]
            if re.search(r"\bunsafe\s*(\{|impl\b)", code):
                want = "SAFETY:"
            elif re.search(r"\bunsafe\s+(extern\s+\"C\"\s+)?fn\b", code) and "extern \"C\" fn" not in code:
                want = "# Safety"
            else:
                continue
            j, found = i - 1, False
            while j >= 0 and lines[j].strip().startswith(("//", "#[")):
                if want in lines[j]:
                    found = True
                    break
                j -= 1
            if not found:
                bad.append(f"{path}:{i + 1}: no '{want}' above: {line.strip()}")
print("\n".join(bad) if bad else "all unsafe blocks, impls and fns are documented")
sys.exit(1 if bad else 0)
