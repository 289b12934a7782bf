"""Every title, description and legend is written twice: Vietnamese first, English second."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")


@dataclass(frozen=True, slots=True)
class T:
    vi: str
    en: str

    def __call__(self, lang: Lang) -> str:
        return self.vi if lang == "vi" else self.en
