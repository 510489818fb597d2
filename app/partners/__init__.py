"""Partner departments' data (issue 15): lists imported from civil affairs, the disabled
persons' federation and the HR bureau's own registers, compared with what persons declared,
and turned into discovery lists and proofs."""
