"""The collector config's size as stored in SSM and the room the parameter tier leaves: one function that the
deploy tests check against the limits and that writes the numbers docs/deploy.md quotes, so they are never typed.

    python3 deploy/tests/config_budget.py            # print the figures
    python3 deploy/tests/config_budget.py --write    # rewrite the generated sentence in docs/deploy.md
"""
from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "deploy.md"
SSM_ADVANCED_TIER = 8192       # bytes, the collector config's SSM parameter (deploy/cloudformation.yaml)
SSM_STANDARD_TIER = 4096       # bytes, the free tier that would not hold it
HEADROOM = 0.10                # of the Advanced limit, kept free for a user's own additions
BLOCK = re.compile(r"(<!-- config-budget: [^>]*-->)(.*?)(<!-- /config-budget -->)", re.S)


@dataclass(frozen=True)
class Budget:
    stored: str     # the text deploy.sh stores in SSM (comments stripped)

    @property
    def size(self) -> int:
        return len(self.stored.encode("utf-8"))

    @property
    def free(self) -> int:
        return SSM_ADVANCED_TIER - self.size

    @property
    def allowed(self) -> int:
        """The most the config may take and still leave HEADROOM of the tier free."""
        return int(SSM_ADVANCED_TIER * (1 - HEADROOM))

    def sentence(self) -> str:
        return (f"{self.size:,} bytes ({self.size / 1024:.1f} KiB) with ADOT's components only, "
                f"{'over' if self.size > SSM_STANDARD_TIER else 'under'} the Standard tier's {SSM_STANDARD_TIER:,}; "
                f"the Advanced tier's {SSM_ADVANCED_TIER:,} leave {self.free:,} bytes "
                f"({self.free / SSM_ADVANCED_TIER:.0%}) for your own additions, and deploy/tests keeps at least "
                f"{HEADROOM:.0%} ({SSM_ADVANCED_TIER - self.allowed:,} bytes) free")


def stored_config() -> Budget:
    out = subprocess.run([str(REPO / "deploy" / "deploy.sh"), "--print-collector-config"], capture_output=True,
                         text=True, check=True, timeout=30).stdout
    return Budget(out)


def docs_block(text: str) -> str | None:
    m = BLOCK.search(text)
    return m.group(2) if m else None


def main(argv: list[str]) -> int:
    budget = stored_config()
    if argv[1:] == ["--write"]:
        text = DOCS.read_text(encoding="utf-8")
        if docs_block(text) is None:
            print(f"{DOCS}: no <!-- config-budget: ... --> block", file=sys.stderr)
            return 1
        DOCS.write_text(BLOCK.sub(lambda m: m.group(1) + budget.sentence() + m.group(3), text, count=1),
                        encoding="utf-8")
    print(budget.sentence())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
