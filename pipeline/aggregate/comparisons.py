def derive_comparisons(protected): return {}
