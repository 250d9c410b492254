"""Write directory/opendata/api/oruk_openapi.json from the pinned Open Referral UK profile.

Usage: .venv/bin/python scripts/build_oruk_openapi.py [STANDARDS_DIR]
(default: ../shared/standards/oruk-3.0 beside the repository). The changes it makes to the
official document are listed in directory/opendata/api/oruk_openapi.py; a test checks the
stored file is exactly what this writes.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from directory.opendata.api.oruk_openapi import DOCUMENT_PATH, build_document  # noqa: E402


def main(argv: list[str]) -> int:
    standards = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared/standards/oruk-3.0"
    document = build_document(standards)
    DOCUMENT_PATH.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
