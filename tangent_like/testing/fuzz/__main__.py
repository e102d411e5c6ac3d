"""``python -m tangent_like.testing.fuzz``: see `tangent_like.testing.fuzz.cli`."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
