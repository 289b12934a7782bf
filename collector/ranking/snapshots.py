"""Stored ranking runs: the result, the methodology's exact text and sha256, every input read."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from collector.store.schema import ranking_snapshots


def canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def result_sha256(result: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(result).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Snapshot:
    id: int
    period: str
    created_at: float
    methodology_sha256: str
    result_sha256: str
    result: dict[str, Any]


class RankingSnapshots:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def store(
        self, result: dict[str, Any], methodology_text: str, inputs: dict[str, Any]
    ) -> Snapshot:
        meta = result["methodology"]
        digest = result_sha256(result)
        now = time.time()
        with self.engine.begin() as conn:
            inserted = conn.execute(
                ranking_snapshots.insert().values(
                    period=result["period"],
                    period_start=result["start_epoch"],
                    period_end=result["end_epoch"],
                    methodology_id=meta["id"],
                    methodology_version=meta["version"],
                    methodology_sha256=meta["sha256"],
                    methodology_text=methodology_text,
                    result_sha256=digest,
                    created_at=now,
                    inputs=canonical(inputs),
                    result=canonical(result),
                )
            )
            ident = int(inserted.inserted_primary_key[0])  # type: ignore[index]
        return Snapshot(ident, result["period"], now, meta["sha256"], digest, result)

    def latest(self, period: str | None = None) -> Snapshot | None:
        s = ranking_snapshots.c
        query = select(ranking_snapshots).order_by(s.created_at.desc(), s.id.desc()).limit(1)
        if period is not None:
            query = query.where(s.period == period)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return Snapshot(
            row.id, row.period, row.created_at, row.methodology_sha256, row.result_sha256,
            json.loads(row.result),
        )  # fmt: skip

    def latest_id(self) -> int | None:
        s = ranking_snapshots.c
        query = select(s.id).order_by(s.created_at.desc(), s.id.desc()).limit(1)
        with self.engine.connect() as conn:
            found = conn.scalar(query)
        return None if found is None else int(found)

    def inputs(self, ident: int) -> dict[str, Any] | None:
        query = select(ranking_snapshots.c.inputs).where(ranking_snapshots.c.id == ident)
        with self.engine.connect() as conn:
            text = conn.scalar(query)
        return None if text is None else dict(json.loads(text))
