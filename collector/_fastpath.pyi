def relabel(
    raw: bytes,
    reserved: tuple[bytes, ...],
    site: bytes,
    max_series: int,
    max_samples: int,
    max_labels: int,
    max_name: int,
    max_value: int,
    low_ms: int,
    high_ms: int,
    /,
) -> tuple[bytes, int, int] | None: ...
