from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Every config section: unknown keys are errors, values are frozen once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
