"""The schema's SDL, as committed in `schema.graphql` (`prebook schema > schema.graphql`)."""

from __future__ import annotations

from pathlib import Path

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"
REGENERATE = "prebook schema > schema.graphql  (or: python -m api.schema_sdl > schema.graphql)"


def schema_sdl() -> str:
    from schema import build_schema

    return build_schema().as_str().rstrip("\n") + "\n"


def main() -> int:
    print(schema_sdl(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
