"""The collector's pydantic base model (the agent's config sections: agent/config/schema.py)."""

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Every collector config section: unknown keys are errors, values are frozen once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
