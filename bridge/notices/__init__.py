"""A session's official notices: the documents' storage and their checks (``files``)."""
