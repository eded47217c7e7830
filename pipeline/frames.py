"""Small pandas helpers shared by the steps."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


def empty_frame(dtypes: Mapping[str, str | pd.api.extensions.ExtensionDtype]) -> pd.DataFrame:
    """A frame with no rows and the columns of ``dtypes`` (name -> dtype), in that order."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
