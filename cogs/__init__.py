"""Discord extensions: one per phase (request, prepare, interview, followup), plus the rest."""
