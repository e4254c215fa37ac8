"""The 18 archive documents: catalogue, contexts, templates and the output job."""
