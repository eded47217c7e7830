"""The synthetic England: SSDA903-style inputs for all 153 LAs, deterministic from a seed.

``generate(out_dir, seed, scale, years)`` writes the input layout of docs/contracts.md section 1.
The records follow the SSDA903 rules (episode sequences, codes, UPN check letters) and are
calibrated to the national figures of METHODS.md section 8. See the module docstrings of
:mod:`pipeline.synth.children` (who is in care and for how long), :mod:`pipeline.synth.episodes`
(placement changes), :mod:`pipeline.synth.social_workers` and :mod:`pipeline.synth.schools`.
"""

from pipeline.synth.generator import DEFAULT_YEARS, GENERATOR_VERSION, generate

__all__ = ["DEFAULT_YEARS", "GENERATOR_VERSION", "generate"]
