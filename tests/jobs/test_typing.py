"""A payload of the wrong type for a job does not type-check (mypy, on a small program)."""

from __future__ import annotations

from pathlib import Path

from mypy import api as mypy_api

PROGRAM = '''
import uuid
from jobs.catalog import ACCOUNT_DELETE, EXECUTE_PREBOOKING
from jobs.client import JobClient
from jobs.payloads import DeleteAccount, ExecutePrebooking
from jobs.registry import JobContext, bind

async def ok(client: JobClient) -> None:
    await client.enqueue(EXECUTE_PREBOOKING, ExecutePrebooking(uuid.uuid4()))

async def wrong(client: JobClient) -> None:
    await client.enqueue(EXECUTE_PREBOOKING, DeleteAccount(uuid.uuid4()))  # line 12

async def handler(ctx: JobContext[object], payload: DeleteAccount) -> None: ...

spec = bind(EXECUTE_PREBOOKING, handler)  # line 16
fine = bind(ACCOUNT_DELETE, handler)
'''


def test_wrong_payloads_are_type_errors(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    out, err, status = mypy_api.run([
        str(program), "--strict", "--no-incremental", "--follow-imports=silent",
        "--ignore-missing-imports", "--cache-dir", str(tmp_path / "cache"),
    ])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1, out + err
    assert {line.split(":")[1] for line in errors} == {"12", "16"}, out
